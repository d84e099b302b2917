export { TransactionLayer, type TransactionLayerOptions, type ClientTransaction, type ServerTransaction } from './manager.js';
export { InviteClientTransaction, type InviteClientState } from './client-invite.js';
export { NonInviteClientTransaction, type NonInviteClientState } from './client-non-invite.js';
export { InviteServerTransaction, type InviteServerState } from './server-invite.js';
export { NonInviteServerTransaction, type NonInviteServerState } from './server-non-invite.js';
export { buildNonSuccessAck } from './ack.js';
export { responseDestination } from './matching.js';
export * from './timers.js';
export {
  SILENT_LOGGER,
  type ClientTransactionHandlers,
  type ServerTransactionUser,
  type TransactionKind,
  type TransactionLogger,
  type TransactionStats,
} from './types.js';
