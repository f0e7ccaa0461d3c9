/**
 * The `[Pod]` rows of the key table (see `keys.ts`): `.pod` files exist from Podman 5.0.
 *
 * @module
 */
import type { KeySpec } from "./keys.ts";
import { HOST_ANY_IPV4 } from "./keys_container.ts";

/** `[Pod]` keys (`.pod` files exist from 5.0). */
export const Pod = {
  ContainersConfModule: { since: "5.0" },
  GlobalArgs: { since: "5.0" },
  Network: { since: "5.0" },
  PodName: { since: "5.0", escape: "plain" },
  PodmanArgs: { since: "5.0", escape: "words" },
  PublishPort: { since: "5.0", escape: "exec", forms: [HOST_ANY_IPV4] },
  Volume: { since: "5.0" },
  NetworkAlias: { since: "5.2" },
  AddHost: { since: "5.3" },
  DNS: { since: "5.3" },
  DNSOption: { since: "5.3" },
  DNSSearch: { since: "5.3" },
  GIDMap: { since: "5.3" },
  IP: { since: "5.3" },
  IP6: { since: "5.3" },
  RemapGid: { since: "5.3" }, // deprecated
  RemapUid: { since: "5.3" }, // deprecated
  RemapUidSize: { since: "5.3" }, // deprecated
  RemapUsers: { since: "5.3" }, // deprecated
  ServiceName: { since: "5.3" },
  SubGIDMap: { since: "5.3" },
  SubUIDMap: { since: "5.3" },
  UIDMap: { since: "5.3" },
  UserNS: { since: "5.3" },
  ShmSize: { since: "5.4" },
  HostName: { since: "5.5" },
  ExitPolicy: { since: "5.6" },
  Label: { since: "5.6" },
  StopTimeout: { since: "5.7" },
} satisfies Record<string, KeySpec>;
