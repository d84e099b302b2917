/**
 * Prompts the queue needs beyond the operator's own (position and wait
 * announcements, callback, voicemail). The operator's config texts win over
 * these, and a recorded WAV of the same name wins over both.
 */
export const NUMBER_PROMPTS_UP_TO = 20;

export const QUEUE_PROMPT_TEXTS: Readonly<Record<string, string>> = {
  'queue-position': 'You are caller number',
  'queue-in-line': 'in line.',
  'queue-wait': 'Your estimated wait time is about',
  'queue-minutes': 'minutes.',
  'queue-callback': 'Thank you. We will call you back as soon as an agent is free. Goodbye.',
  'queue-closed': 'Sorry, we cannot take your call right now. Please call again later. Goodbye.',
  voicemail: 'Please leave a message after the tone, then hang up or press the pound key.',
  'voicemail-saved': 'Thank you, your message has been saved. Goodbye.',
  // the IVR's apology when a step fails with no branch to go to
  'callback-intro': 'Hello, this is the call back you asked for. Please hold, an agent will be with you shortly.',
  // the dialer's message to a person it reached with no agent free (a campaign's own text replaces it)
  'safe-harbor': 'Hello. We are sorry, we called you but no one is free to take the call right now. We will try again later. To not be called again, ask an agent to put you on our do-not-call list. Goodbye.',
  'ivr-error': 'Sorry, something went wrong on our side. Please call again later. Goodbye.',
  ...Object.fromEntries(Array.from({ length: NUMBER_PROMPTS_UP_TO }, (_, i) => [`n-${i + 1}`, String(i + 1)])),
};

export function withQueuePrompts(texts: Readonly<Record<string, string>>): Record<string, string> {
  return { ...QUEUE_PROMPT_TEXTS, ...texts };
}

/** Name of the prompt saying `n`, if there is one. */
export function numberPrompt(n: number): string | undefined {
  return Number.isInteger(n) && n >= 1 && n <= NUMBER_PROMPTS_UP_TO ? `n-${n}` : undefined;
}
