// The long-lived pieces handlers use. Built once per process (desktop app, CLI, server).
import pkg from '../../package.json' with { type: 'json' };
import { PluginService } from '../plugins/service.ts';
import { ChannelStore } from '../store/channels.ts';
import { JobQueue } from '../jobs/queue.ts';
import { KpiWorker } from '../jobs/kpi-worker.ts';
import { TelemetryImporter } from '../telemetry/import.ts';
import { MathChannels } from '../telemetry/math-channels.ts';
import { openDatabase, schemaVersion, type Db } from '../store/database.ts';
import { SessionStore } from '../store/sessions.ts';
import { AccountStore } from '../store/accounts.ts';
import { SettingsSecretStore, type SecretStore } from '../platform/secrets.ts';
import { ServerLink } from './server-link.ts';
import { SettingsStore } from '../store/settings.ts';

export interface ServicesOptions {
  dbPath: string;
  /** Where the server token is kept; the Electron main process passes one backed by safeStorage. */
  secrets?: (settings: SettingsStore) => SecretStore;
}

export interface Services {
  readonly dbPath: string;
  readonly db: Db;
  readonly settings: SettingsStore;
  readonly accounts: AccountStore;
  readonly server: ServerLink;
  readonly sessions: SessionStore;
  readonly plugins: PluginService;
  readonly channels: ChannelStore;
  readonly jobs: JobQueue;
  readonly telemetry: TelemetryImporter;
  readonly kpiWorker: KpiWorker;
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
  return {
    dbPath: options.dbPath,
    db,
    settings,
    accounts: new AccountStore(db),
    server: new ServerLink(settings, options.secrets?.(settings) ?? new SettingsSecretStore(settings)),
    sessions: new SessionStore(db),
    plugins,
    channels,
    jobs: new JobQueue(db),
    telemetry: new TelemetryImporter(db, plugins),
    kpiWorker: new KpiWorker(db, plugins),
    math: new MathChannels(db, plugins, channels),
    appVersion: pkg.version,
    schemaVersion: schemaVersion(db),
    close: () => {
      plugins.close();
      db.close();
    },
  };
}
