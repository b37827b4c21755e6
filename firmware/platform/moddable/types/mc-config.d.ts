// The build's "mc/config" (typings/mc/config.d.ts): the manifest's "config" with command-line overrides
// (`mcconfig ... key=value`; values from the command line arrive as strings).
declare module "mc/config" {
  const Config: Record<string, unknown>;
  export { Config as default };
}
