export * from './message.js';
export * from './parser.js';
export * from './serializer.js';
export * from './headers.js';
export * from './uri.js';
export * from './validate.js';
export * from './build.js';
export { normalizeHeaderName, canonicalHeaderName } from './header-names.js';
export type { Params } from './grammar.js';
