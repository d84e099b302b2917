/** Every node type a flow may use, by its `type`. */
import type { NodeType } from './node.js';
import { playType } from './play.js';
import { menuType } from './menu.js';
import { collectType } from './collect.js';
import { sayType } from './say.js';
import { conditionType } from './condition.js';
import { scheduleType } from './schedule.js';
import { httpType } from './http.js';
import { setType } from './set.js';
import { queueType } from './queue.js';
import { voicemailType } from './voicemail.js';
import { callbackType } from './callback.js';
import { transferType } from './transfer.js';
import { hangupType } from './hangup.js';

// each type's create takes its own definition; the compiler has checked it against that type's schema
export const NODE_TYPES: ReadonlyMap<string, NodeType<never>> = new Map(
  [playType, menuType, collectType, sayType, conditionType, scheduleType, httpType, setType, queueType, voicemailType, callbackType, transferType, hangupType].map(
    (t) => [t.type, t as NodeType<never>],
  ),
);
