/**
 * What the CTI plugins share: the server's parts they drive and observe, and
 * the auth pieces. Built once in src/app.ts.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { AcdService } from '../acd/service/acd-service.js';
import type { CallManager } from '../calls/manager.js';
import type { CallRecorder } from '../recording/recorder.js';
import type { Registrar } from '../sip/registrar/registrar.js';
import type { Db } from '../store/db.js';
import type { ReportService } from '../reports/report-service.js';
import type { CdrSearch } from '../reports/cdr-search.js';
import type { CampaignStore } from '../dialer/campaign-store.js';
import type { DncList } from '../dialer/dnc.js';
import type { CampaignStats } from '../dialer/stats.js';
import type { DialerEngine } from '../dialer/engine.js';
import type { TeamsOf } from './auth/principal.js';
import type { TokenIssuer } from './auth/tokens.js';
import type { EventFanout } from './events/fanout.js';
import type { EventStream } from './events/stream.js';
import type { QueueDayStats } from './queue-stats.js';
import type { WebhookRegistry } from './webhooks/registry.js';
import type { WebhookDeliveries } from './webhooks/jobs.js';

export interface CtiContext {
  config: Config;
  logger: Logger;
  acd: AcdService;
  calls: CallManager;
  recorder: CallRecorder;
  registrar: Registrar;
  issuer: TokenIssuer;
  teamsOf: TeamsOf;
  stream: EventStream;
  fanout: EventFanout;
  /** Today's per-queue counters (service level, ASA…), from the ACD journal. */
  today: QueueDayStats;
  /** Webhook registrations, and their recent deliveries (BullMQ). */
  webhooks: { registry: WebhookRegistry; deliveries: WebhookDeliveries };
  /** The SIP WebSocket transport's bound port (config.sip.wsPort may be 0: any free port); unset: the config's. */
  sipWsPort?: () => number;
  /** Historical reports and call records; unset: those routes answer 503. */
  reports?: { service: ReportService; cdrs: CdrSearch };
  /** The database (recordings search, playback, audit), undefined while it is down; unset: those routes answer 503. */
  db?: () => Db | undefined;
  /** Outbound campaigns, do-not-call lists and the campaigns' figures; unset: those routes answer 503. */
  dialer?: { campaigns: CampaignStore; dnc: DncList; stats: CampaignStats; engine?: DialerEngine };
}
