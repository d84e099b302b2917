/**
 * `${name}` placeholders in flow strings (URLs, set values, say values, queue
 * names). Parsed once at load; a variable that is not set renders as ''.
 * Names: letters, digits, `_` and `.`, not starting with a digit.
 */
import type { IvrVariables } from './types.js';

export const VARIABLE_NAME = '^[A-Za-z_][A-Za-z0-9_.]{0,63}$';
const VARIABLE_RE = new RegExp(VARIABLE_NAME);
const PLACEHOLDER = /\$\{([^}]*)\}/g;

export class Template {
  private constructor(
    readonly source: string,
    private readonly parts: readonly (string | { variable: string })[],
  ) {}

  /** Parses `source`; returns the problem instead when a placeholder is malformed. */
  static parse(source: string): Template | { error: string } {
    const parts: (string | { variable: string })[] = [];
    let last = 0;
    for (const m of source.matchAll(PLACEHOLDER)) {
      const name = m[1] ?? '';
      if (!VARIABLE_RE.test(name)) return { error: `bad variable name "\${${name}}" (letters, digits, _ and ., not starting with a digit)` };
      if (m.index > last) parts.push(source.slice(last, m.index));
      parts.push({ variable: name });
      last = m.index + m[0].length;
    }
    if (last < source.length) parts.push(source.slice(last));
    const rest = parts.filter((p): p is string => typeof p === 'string').join('');
    if (rest.includes('${')) return { error: 'unclosed "${" placeholder' };
    return new Template(source, parts);
  }

  /** The literal text when there are no placeholders. */
  get literal(): string | undefined {
    return this.parts.every((p) => typeof p === 'string') ? this.parts.join('') : undefined;
  }

  get variables(): string[] {
    return this.parts.flatMap((p) => (typeof p === 'string' ? [] : [p.variable]));
  }

  /** `escape` gets each value and where its placeholder stands in the source (0: at the very start). */
  render(vars: Pick<IvrVariables, 'get'>, escape: (value: string, at: number) => string = (v) => v): string {
    let at = 0;
    return this.parts
      .map((p) => {
        const text = typeof p === 'string' ? p : escape(vars.get(p.variable) ?? '', at);
        at += typeof p === 'string' ? p.length : 1;
        return text;
      })
      .join('');
  }
}

export function isVariableName(name: string): boolean {
  return VARIABLE_RE.test(name);
}
