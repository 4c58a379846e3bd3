/**
 * `hardq acl --role <role> --queues a,b`: prints the `ACL SETUSER` line of a least-privilege
 * Redis user for one role (admin/acl.ts), with the password as its SHA-256 so the line can
 * be shown and stored; `--apply` runs it on the --redis server, which needs admin credentials.
 */
import { aclRoles, aclSetUserLine, applyAclUser, type AclRole } from 'hardq';
import { UsageError } from './exit.ts';
import { parseFlags } from './flags.ts';
import { appFlags, withApp } from './one-shot.ts';
import { loadApp, tlsUsage } from './app-loader.ts';
import { redactUrl } from './redis-url.ts';

export const usage = `usage: hardq acl --role <${aclRoles.join('|')}> --queues <a,b|*> [options]
  --role <role>         producer: send, read results; worker: consume, ack, results, registry,
                        heartbeat, reaper, scheduler, control mailbox; beat: periodic tasks;
                        monitor: read only; admin: purge, dead letters, revoke, control
  -Q, --queues <a,b>    the queues the user works on (* for every queue)
  --prefix <p>          the app's key prefix (default: the app's, else hardq)
  --user <name>         the user name (default hardq-<role>)
  --password <p>        its password (default $HARDQ_ACL_PASSWORD); printed only as its SHA-256
  --apply               run the line on --redis (a user allowed to run ACL SETUSER)
  -A, --app <module>    app module (for its prefix)
  --redis <url>         with --apply: redis:// or rediss:// URL
${tlsUsage(24)}
  -h, --help            this text
See docs/SECURITY.md for what each role may do.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags('hardq acl', {
    args: argv,
    options: {
      ...appFlags,
      role: { type: 'string' },
      queues: { type: 'string', short: 'Q' },
      prefix: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      apply: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const role = values.role as AclRole | undefined;
  if (role === undefined || !aclRoles.includes(role)) throw new UsageError(`--role must be one of ${aclRoles.join(', ')} (see hardq acl --help)`);
  const queues = values.queues?.split(',').filter(Boolean) ?? [];
  if (queues.length === 0) throw new UsageError('name the queues with --queues a,b (or \'*\' for every queue)');
  const password = values.password ?? process.env.HARDQ_ACL_PASSWORD;
  if (!password) throw new UsageError('give the user\'s password with --password or $HARDQ_ACL_PASSWORD');
  if (!values.apply) {
    const { app } = await loadApp(values.app, undefined);
    console.log(aclSetUserLine({ role, queues, prefix: values.prefix ?? app.config.prefix, user: values.user, password }));
    return 0;
  }
  return withApp(values, async (app) => {
    const user = await applyAclUser(app, { role, queues, prefix: values.prefix ?? app.config.prefix, user: values.user, password });
    console.log(`applied: ACL user ${user} (${role}; queues ${queues.join(', ')}) on ${redactUrl(app.config.redis)}`);
    return 0;
  });
}
