/**
 * Loads Lua scripts that live beside the module using them. tsc does not copy
 * .lua files into dist/, so a module running from dist/src/… also looks at
 * the same path under the repo's src/.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Where `fileName` may live for the module at `moduleUrl` (its own directory first). */
export function luaScriptCandidates(fileName: string, moduleUrl: string): URL[] {
  const beside = new URL(`./${fileName}`, moduleUrl);
  const inSrc = new URL(beside.href.replace('/dist/src/', '/src/'));
  return inSrc.href === beside.href ? [beside] : [beside, inSrc];
}

const cache = new Map<string, string>();

/**
 * The text of `fileName` next to `moduleUrl` (pass `import.meta.url`), read once.
 * Throws when the file is in none of the candidate places.
 */
export function loadLuaScript(fileName: string, moduleUrl: string): string {
  const candidates = luaScriptCandidates(fileName, moduleUrl);
  const cacheKey = candidates[0]!.href;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;
  const found = candidates.find((url) => existsSync(url));
  if (found === undefined) {
    throw new Error(`${fileName} not found; looked in ${candidates.map((u) => u.pathname).join(', ')}`);
  }
  const text = readFileSync(found, 'utf8');
  cache.set(cacheKey, text);
  return text;
}
