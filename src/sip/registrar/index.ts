export { Registrar, type RegistrarOptions } from './registrar.js';
export {
  RegistrarError,
  type Binding,
  type ExpiresPolicy,
  type RegistrarErrorCode,
  type RegistrarEvents,
  type UnregisterReason,
} from './types.js';
