/**
 * PROVISIONAL version table (being replaced by the sourced one).
 *
 * @module
 */
export const KEY_SINCE = {
  Container: {
    Image: "4.4",
    ContainerName: "4.4",
    Exec: "4.4",
    Environment: "4.4",
    EnvironmentFile: "4.4",
    PublishPort: "4.4",
    Volume: "4.4",
    Tmpfs: "4.4",
    AddDevice: "4.4",
    ReadOnly: "4.4",
    NoNewPrivileges: "4.4",
    AddCapability: "4.4",
    DropCapability: "4.4",
    User: "4.4",
    UserNS: "4.4",
    Label: "4.4",
    Annotation: "4.4",
    Secret: "4.4",
    HealthCmd: "4.4",
    HealthInterval: "4.4",
    HealthTimeout: "4.4",
    HealthRetries: "4.4",
    HealthStartPeriod: "4.4",
    Notify: "4.4",
    PodmanArgs: "4.4",
    Network: "4.4",
    RunInit: "4.4",
    AutoUpdate: "4.4",
    Pull: "4.7",
    ShmSize: "4.8",
    NetworkAlias: "5.1",
    HostName: "4.5",
    Pod: "5.0",
    Entrypoint: "5.0",
    StopTimeout: "5.0",
    AddHost: "5.3",
    Memory: "5.5",
  } as Record<string, string>,
  Network: { NetworkName: "4.5", Label: "4.4", PodmanArgs: "4.4" } as Record<string, string>,
  Volume: { VolumeName: "4.5", Label: "4.4", PodmanArgs: "4.4" } as Record<string, string>,
  Pod: { PodName: "5.0", PublishPort: "5.0", PodmanArgs: "5.0" } as Record<string, string>,
};
export const FILE_SINCE: Record<string, string> = {
  ".container": "4.4",
  ".network": "4.4",
  ".volume": "4.4",
  ".pod": "5.0",
};
export const VALUE_SINCE: Record<string, string> = { "Container.Notify=healthy": "5.0" };
export const SUPPORTED_VERSIONS = [
  "4.4",
  "4.5",
  "4.6",
  "4.7",
  "4.8",
  "4.9",
  "5.0",
  "5.1",
  "5.2",
  "5.3",
  "5.4",
  "5.5",
  "5.6",
  "5.7",
  "5.8",
];
export const NEWEST = "5.8";
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  return pa[0] - pb[0] || (pa[1] ?? 0) - (pb[1] ?? 0);
}
export function parseVersion(s: string): string | undefined {
  const m = /(\d+)\.(\d+)/.exec(s);
  return m ? `${m[1]}.${m[2]}` : undefined;
}
export function supports(target: string, section: keyof typeof KEY_SINCE, key: string): boolean {
  const since = KEY_SINCE[section][key];
  return since !== undefined && compareVersions(target, since) >= 0;
}
