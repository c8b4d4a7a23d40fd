/**
 * Everything of the `hopline` CLI but the proxy's warm path, bundled on its own
 * (dist/main/cliFull.cjs) so that dist/main/cli.cjs stays small: bin.ts loads this only for a
 * command other than `proxy`, or for a proxy that must build its hops itself.
 */
export { hopFor, main } from './main';
export { proxyBuildingHops } from './proxyCommand';
