// The long-lived pieces handlers use. Built once per process (desktop app, CLI, server).
import pkg from '../../package.json' with { type: 'json' };
import { PluginService } from '../plugins/service.ts';
import type { RuntimeKind } from '../plugins/runtime/types.ts';
import { ChannelStore } from '../store/channels.ts';
import { JobQueue } from '../jobs/queue.ts';
import { KpiWorker } from '../jobs/kpi-worker.ts';
import { JobRunner } from '../jobs/runner.ts';
import { TelemetryImporter } from '../telemetry/import.ts';
import { MathChannels } from '../telemetry/math-channels.ts';
import { openDatabase, schemaVersion, type Db } from '../store/database.ts';
import { SessionStore } from '../store/sessions.ts';
import { SettingsStore } from '../store/settings.ts';
import { AccountStore } from '../store/accounts.ts';
import { MemorySecretStore, type SecretStore } from '../platform/secrets.ts';
import { ServerLink } from './server-link.ts';
import { EventBus } from './events.ts';

export interface ServicesOptions {
  dbPath: string;
  /** Where the server token is kept: in memory by default; the Electron main process passes one backed by safeStorage. */
  secrets?: (settings: SettingsStore) => SecretStore;
  /** The engine background KPI jobs run in: QuickJS on the desktop, V8 on the server. */
  jobRuntime?: RuntimeKind;
}

export interface Services {
  readonly dbPath: string;
  readonly db: Db;
  readonly settings: SettingsStore;
  readonly sessions: SessionStore;
  readonly accounts: AccountStore;
  /** The online server: URL, token, and where each plugin call goes (Offline/Online/Auto). */
  readonly server: ServerLink;
  readonly events: EventBus;
  readonly plugins: PluginService;
  readonly channels: ChannelStore;
  readonly jobs: JobQueue;
  readonly telemetry: TelemetryImporter;
  readonly kpiWorker: KpiWorker;
  /** Background KPI jobs; started by long-lived processes (desktop app, server). */
  readonly jobRunner: JobRunner;
  readonly math: MathChannels;
  readonly appVersion: string;
  readonly schemaVersion: number;
  close(): void;
}

export function createServices(options: ServicesOptions): Services {
  const db = openDatabase(options.dbPath);
  const plugins = new PluginService({ db });
  const channels = new ChannelStore(db);
  const settings = new SettingsStore(db);
  const jobs = new JobQueue(db);
  const kpiWorker = new KpiWorker(db, plugins, options.jobRuntime ?? 'quickjs', jobs);
  const jobRunner = new JobRunner(kpiWorker);
  return {
    dbPath: options.dbPath,
    db,
    settings,
    sessions: new SessionStore(db),
    accounts: new AccountStore(db),
    server: new ServerLink(settings, options.secrets?.(settings) ?? new MemorySecretStore()),
    events: new EventBus(),
    plugins,
    channels,
    jobs,
    telemetry: new TelemetryImporter(db, plugins, jobs),
    kpiWorker,
    jobRunner,
    math: new MathChannels(db, plugins, channels),
    appVersion: pkg.version,
    schemaVersion: schemaVersion(db),
    close: () => {
      void jobRunner.stop(0);
      plugins.close();
      db.close();
    },
  };
}
