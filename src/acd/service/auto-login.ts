/**
 * autoLogin agents (demo and kiosk setups): the first registration of their
 * phone logs them in ready, the last one going logs them out. Agents without
 * autoLogin log in through the CTI API; their registrations only say where
 * to ring them.
 */
import type { Logger } from 'pino';
import type { AgentConfig } from '../../config/schema.js';
import type { Registrar } from '../../sip/registrar/registrar.js';
import type { AcdService } from './acd-service.js';

export interface AutoLoginOptions {
  acd: AcdService;
  registrar: Registrar;
  agents: readonly AgentConfig[];
  logger?: Logger;
}

export class AutoLogin {
  private readonly auto: Set<string>;
  private readonly onRegistered = (user: string): void => void this.registered(user);
  private readonly onUnregistered = (user: string): void => void this.unregistered(user);

  constructor(private readonly opts: AutoLoginOptions) {
    this.auto = new Set(opts.agents.filter((a) => a.autoLogin).map((a) => a.id));
    if (this.auto.size === 0) return;
    opts.registrar.on('registered', this.onRegistered);
    opts.registrar.on('unregistered', this.onUnregistered);
  }

  private async registered(agentId: string): Promise<void> {
    if (!this.auto.has(agentId)) return;
    const state = this.opts.acd.agent(agentId)?.state ?? 'logged-out';
    if (state !== 'logged-out') return;
    try {
      await this.opts.acd.login(agentId);
      this.opts.logger?.info({ agentId }, 'agent logged in by phone registration (autoLogin)');
    } catch (err) {
      this.opts.logger?.warn({ err, agentId }, 'autoLogin failed');
    }
  }

  private async unregistered(agentId: string): Promise<void> {
    if (!this.auto.has(agentId)) return;
    try {
      if ((await this.opts.registrar.lookup(agentId)).length > 0) return;
      await this.opts.acd.logout(agentId, 'unregistered');
      this.opts.logger?.info({ agentId }, 'agent logged out: last phone registration gone (autoLogin)');
    } catch (err) {
      this.opts.logger?.warn({ err, agentId }, 'autoLogin logout failed');
    }
  }

  stop(): void {
    this.opts.registrar.off('registered', this.onRegistered);
    this.opts.registrar.off('unregistered', this.onUnregistered);
  }
}
