// A user's machine, for the package tests: an empty project, a PATH with no compiler, npm installing a tarball.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A PATH (a directory made under `work`) holding only node, npm, sh and env: no cc/g++/make/python3. */
export function noCompilerPath(work: string): string {
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const npmCli = fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  fs.symlinkSync('/usr/bin/env', path.join(bin, 'env'));
  return bin;
}

/** This process's environment with PATH replaced and nothing of the running npm script or suite mode left. */
export function cleanEnv(PATH: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH };
  delete env.KROZEN_NO_NATIVE; // the consumer sees the package as installed, whatever this suite's run forces
  delete env.KROZEN_WS_STREAM_READ;
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  return env;
}

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 180_000): string {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
}

/** A new project `<work>/consumer-<name>` with `tgz` installed by npm (extra npm flags in `npmArgs`). */
export function installInto(work: string, tgz: string, name: string, PATH: string, npmArgs: string[] = []): string {
  const project = path.join(work, `consumer-${name}`);
  fs.mkdirSync(project);
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }),
  );
  run('npm', ['install', tgz, '--prefer-offline', '--no-audit', '--no-fund', ...npmArgs], project, cleanEnv(PATH));
  return project;
}
