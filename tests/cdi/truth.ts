/**
 * The physical truth of each spec of the corpus (tests/cdi/specs, sources in SOURCES.md): whether
 * the CDI library loads it, and what hardware each device gives a container, from what the spec's
 * source says the hardware is (not from lychd's rule). Used by tests/cdi_corpus_test.ts and by the
 * podman probe (tests/cdi/podman_probe.ts).
 *
 * @module
 */

const GPU0 = ["/dev/nvidia0", "/dev/dri/card1", "/dev/dri/renderD128"];

/** The physical truth of one spec: what hardware each device gives a container. */
export type Truth =
  | {
    file: string;
    loads: true;
    kind: string;
    /**
     * Device → the host device nodes that ARE hardware for it, as the source describes the
     * hardware (a GPU's own nodes; never an interface every GPU of the vendor shares). Empty: no
     * hardware (a mount-only device). On one host a node path names one device, so two devices
     * sharing such a node share hardware, whatever their kinds.
     */
    hardware: Record<string, string[]>;
    why: string;
  }
  | {
    file: string;
    loads: false;
    reason: RegExp;
    why: string;
    /** The device the file means to define, to ask podman for (tests/cdi/podman_probe.ts). */
    probe?: string;
  };

export const TRUTH: Truth[] = [
  {
    file: "amd-rocm-issue-3029.yaml",
    loads: true,
    kind: "amd.com/gpu",
    hardware: {
      "0": ["/dev/dri/renderD128"],
      "1": ["/dev/dri/renderD130"],
      all: ["/dev/dri/renderD128", "/dev/dri/renderD130"],
    },
    why: "two AMD GPUs; /dev/kfd is the compute interface every AMD GPU shares, not a GPU",
  },
  {
    file: "cdi-readme-vendor-annotations.json",
    loads: false,
    reason: /is not valid JSON/,
    why: "the README example lacks two commas",
    probe: "vendor.com/device=myDevice",
  },
  {
    file: "cdi-readme-vendor.json",
    loads: true,
    kind: "vendor.com/device",
    hardware: { myDevice: ["/vendor/dev/card1", "/dev/card-render1"] },
    why: "one device (a card and its render node); /dev/vendorctl is spec-wide",
  },
  {
    file: "cdi-schema-bad-empty.json",
    loads: false,
    reason: /is empty \(no Spec data\)/,
    why: "an empty file",
  },
  {
    file: "cdi-schema-bad-explicit-empty.json",
    loads: false,
    reason: /invalid version ""/,
    why: "{} has no cdiVersion",
  },
  {
    file: "cdi-schema-good-minimal.json",
    loads: true,
    kind: "vendor.com/device",
    hardware: { myDevice: ["/dev/card1"] },
    why: "one device",
  },
  {
    file: "cdi-schema-good-spec-example.json",
    loads: true,
    kind: "vendor.com/device",
    hardware: { myDevice: ["/vendorroot/dev/card1", "/dev/card2"] },
    why: "one device with two nodes; /dev/vendorctl is spec-wide",
  },
  {
    file: "cdi-tutorial-tutorial.yaml",
    loads: true,
    kind: "tutorial.cdi.cncf.io/sensor",
    hardware: { "read-write": ["/dev/cdi-tutorial-sensor"], "read-only": ["/dev/cdi-tutorial-sensor"] },
    why: "the tutorial: 'the same physical device can be exposed with different permissions'",
  },
  {
    file: "nvidia-ctk-1.17.8-one-gpu.yaml",
    loads: true,
    kind: "nvidia.com/gpu",
    hardware: {
      "0": GPU0,
      "GPU-520e01f2-cf30-6396-abef-e8e9a5233b0e": GPU0,
      all: GPU0,
    },
    why: "one GPU named by index, by UUID and as all",
  },
  {
    file: "podman-e2e-device.json",
    loads: true,
    kind: "vendor.com/device",
    hardware: { myKmsg: [] },
    why: "a mount-only device: no hardware, yet the same device twice is the same device",
  },
];
