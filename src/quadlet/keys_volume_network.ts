/**
 * The `[Volume]` and `[Network]` rows of the key table (see `keys.ts`), with what an older
 * target does without the name keys (`VolumeName=`, `NetworkName=`, from 4.7).
 *
 * @module
 */
import type { KeySpec, Omission } from "./keys.ts";

const stemOf = (file: string) => file.replace(/\.[a-z]+$/, "");

const networkNameOmitted: Omission = {
  omit: ({ file }) =>
    `left out, so the network is named systemd-${stemOf(file)} (from Podman 4.7 on: ${stemOf(file)})`,
};

const volumeNameOmitted: Omission = {
  omit: ({ file }) =>
    `left out, so the volume is named systemd-${stemOf(file)}; from Podman 4.7 on it is ${
      stemOf(file)
    }, a new, empty volume (copy the data across when upgrading)`,
};

/** `[Volume]` keys. */
export const Volume = {
  Copy: { since: "4.4" },
  Device: { since: "4.4" },
  Group: { since: "4.4" },
  Label: { since: "4.4", escape: "word" },
  Options: { since: "4.4" },
  Type: { since: "4.4" },
  User: { since: "4.4" },
  PodmanArgs: { since: "4.6", escape: "words" },
  VolumeName: { since: "4.7", escape: "plain", fallback: volumeNameOmitted },
  ContainersConfModule: { since: "4.8" },
  Driver: { since: "4.8" },
  GlobalArgs: { since: "4.8" },
  Image: { since: "4.8" },
  ServiceName: { since: "5.3" },
} satisfies Record<string, KeySpec>;

/** `[Network]` keys. */
export const Network = {
  DisableDNS: { since: "4.4" },
  Driver: { since: "4.4" },
  Gateway: { since: "4.4", escape: "plain" },
  IPAMDriver: { since: "4.4" },
  IPRange: { since: "4.4" },
  IPv6: { since: "4.4" },
  Internal: { since: "4.4" },
  Label: { since: "4.4", escape: "word" },
  Options: { since: "4.4" },
  Subnet: { since: "4.4", escape: "plain" },
  PodmanArgs: { since: "4.6", escape: "words" },
  DNS: { since: "4.7" },
  NetworkName: { since: "4.7", escape: "plain", fallback: networkNameOmitted },
  ContainersConfModule: { since: "4.8" },
  GlobalArgs: { since: "4.8" },
  ServiceName: { since: "5.3" },
  NetworkDeleteOnStop: { since: "5.5" },
  InterfaceName: { since: "5.6" },
} satisfies Record<string, KeySpec>;
