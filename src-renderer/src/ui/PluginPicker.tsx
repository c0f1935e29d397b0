// Screens that run one plugin of an interface (a live hook, a run planner) offer the enabled
// ones and run the first until the engineer picks another.
import { useState } from 'react';
import type { PluginInfo } from '../../../src-shared/contract/index.ts';
import type { InterfaceName } from '../../../src-shared/plugins/manifest.ts';
import { race } from '../bridge.ts';
import { useRaceQuery } from '../useRaceQuery.ts';

export function usePluginChoice(iface: InterfaceName) {
  const plugins = useRaceQuery(() => race.plugins.list(), []);
  const choices = (plugins.data ?? []).filter((p) => p.enabled && p.interfaces.includes(iface));
  const [chosenId, choose] = useState<string | null>(null);
  const chosen: PluginInfo | undefined = choices.find((p) => p.id === chosenId) ?? choices[0];
  return { plugins, choices, chosen, choose };
}

/** The choice as a select, shown only when there is one to make; with a caption, labelled by it. */
export function PluginPicker({ choice, label, caption, disabled }: { choice: ReturnType<typeof usePluginChoice>; label: string; caption?: string; disabled?: boolean }) {
  if (choice.choices.length < 2) return null;
  const select = (
    <select className="input" aria-label={label} value={choice.chosen?.id ?? ''} onChange={(e) => choice.choose(e.target.value)} disabled={disabled}>
      {choice.choices.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      ))}
    </select>
  );
  return caption ? (
    <label className="inline-field">
      <span>{caption}</span>
      {select}
    </label>
  ) : (
    select
  );
}
