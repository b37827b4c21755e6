// The SDK's "modules" module (typings/modules.d.ts): loads a module at run time, for modules whose top level
// does device work and so cannot be imported by a preloaded module.
declare module "modules" {
  export default class Modules {
    static has(name: string): boolean;
    /** The module's default export. */
    static importNow(name: string): unknown;
  }
}
