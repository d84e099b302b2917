/**
 * Call variables for the IVR: the call's own map (what travels into the ACD
 * and the CTI events) plus read-only built-ins that templates can use but
 * that are not copied anywhere (the caller's number stays out of queue stats).
 */
import type { IvrVariables } from './types.js';

export const MAX_VARIABLES = 200;
export const MAX_VALUE_LENGTH = 1024;

export class CallVariables implements IvrVariables {
  constructor(
    private readonly map: Map<string, string>,
    private readonly builtins: Readonly<Record<string, string>> = {},
  ) {}

  get(name: string): string | undefined {
    return this.map.get(name) ?? (Object.hasOwn(this.builtins, name) ? this.builtins[name] : undefined);
  }

  /** Built-ins cannot be overwritten; past MAX_VARIABLES new names are dropped; values are cut at MAX_VALUE_LENGTH. */
  set(name: string, value: string): void {
    if (Object.hasOwn(this.builtins, name)) return;
    if (!this.map.has(name) && this.map.size >= MAX_VARIABLES) return;
    this.map.set(name, value.length > MAX_VALUE_LENGTH ? value.slice(0, MAX_VALUE_LENGTH) : value);
  }

  delete(name: string): void {
    this.map.delete(name);
  }

  entries(): Record<string, string> {
    return Object.fromEntries(this.map);
  }
}
