/**
 * Lesson 1's app: one task, `send_registration_email`, and the function behind it, which
 * stands for a mail server's SMTP round trip of about a second. The web app
 * (offload-server.ts) calls that function inline on /register-blocking and sends the task
 * on /register; a worker runs it: `npm run hardq -- worker -A scripts/workshop/offload-app.ts`.
 * Its queue is `emails`, so the other lessons' workers (on `default`) never take these.
 * It leaves `redis` unset: `--redis`, then $REDIS_URL, decides.
 */
import { createApp } from 'hardq';

/** How long one welcome email takes, in ms: about what a slow SMTP server costs. */
export const emailMs = 1000;

/** "Sends" the welcome email: a sleep stands for the SMTP conversation. */
export async function sendWelcomeEmail(address: string): Promise<{ sentTo: string }> {
  await new Promise((resolve) => setTimeout(resolve, emailMs));
  return { sentTo: address };
}

const app = createApp({ defaultQueue: 'emails' });

/** The same function as a task: the web app sends it and a worker runs it. */
export const sendRegistrationEmail = app.task('send_registration_email', sendWelcomeEmail);

export default app;
