/**
 * `lychd export kubernetes`: the Codex as plain, kustomize-ready Kubernetes manifests. Reads the
 * Codex, the CDI specs and the env files through the host; writes only into `--out DIR` (a
 * directory that is empty, or holds a previous export lychd marked as its own) or to stdout.
 * No cluster access.
 *
 * @module
 */
import type { Command } from "../command.ts";
import { UsageError } from "../command.ts";
import { readCodex, readRegistry, resolvePaths } from "../context.ts";
import { warnAll } from "../output.ts";
import { makePlan } from "../../plan/plan.ts";
import { CodexError, type CodexIssue } from "../../codex/errors.ts";
import { indexToml, locate } from "../../codex/locate.ts";
import { exportPlan } from "../../kube/objects.ts";
import { KubeError } from "../../kube/errors.ts";
import { MARKER, markerText, parseMarker, toFiles, toStream } from "../../kube/emit.ts";
import { checkOutDir, outDir, staleNote } from "../outdir.ts";
import type { GpuMode } from "../../kube/gpu.ts";
import { DEFAULT_GATEWAY_IMAGE } from "../../kube/gateway.ts";

const TARGETS = ["kubernetes"];

/** `lychd export`. */
export const exportCmd: Command = {
  name: "export",
  summary: "write the Codex as Kubernetes manifests (stdout, or --out DIR with kustomization.yaml)",
  usage:
    "lychd export kubernetes [--out DIR] [--namespace NS] [--gpu device-plugin|dra] [--gateway-image REF]",
  operands: { names: TARGETS, max: 1 },
  flags: [
    {
      name: "out",
      type: "string",
      arg: "DIR",
      help: "one file per object plus kustomization.yaml in DIR (empty, or a previous lychd export)",
    },
    { name: "namespace", type: "string", arg: "NS", help: "set metadata.namespace on every object" },
    {
      name: "gpu",
      type: "string",
      arg: "MODE",
      default: "device-plugin",
      help:
        "device-plugin: nvidia.com/gpu-style limits; dra: resource.k8s.io/v1 ResourceClaimTemplates (1.34+)",
    },
    {
      name: "gateway-image",
      type: "string",
      arg: "REF",
      help: `the gateway's image (default ${DEFAULT_GATEWAY_IMAGE}, built by Containerfile.gateway)`,
    },
  ],
  details:
    "Deployment per service, a headless Service per service (names resolve as on the bridge network),\n" +
    "PersistentVolumeClaims for named volumes ([volumes.NAME] size, default 10Gi), ConfigMaps from env_files,\n" +
    "and the gateway as a single-replica Deployment + Service that routes by model (route-only).\n" +
    "Secrets are referenced, never copied: the `kubectl create secret` commands go to stderr.\n" +
    "docs/kubernetes.md lists how every Codex field maps.",
  exitCodes:
    "0 exported, 1 the Codex cannot be exported (one line says why) or DIR is not lychd's, 2 usage error",
  examples: [
    "lychd export kubernetes | kubectl apply --dry-run=client -f -",
    "lychd export kubernetes --out ./k8s --namespace ai && kubectl apply -k ./k8s",
    "lychd export kubernetes --gpu dra",
  ],
  async run({ host, flags, positionals }) {
    if (positionals.length !== 1 || !TARGETS.includes(positionals[0])) {
      throw new UsageError(
        positionals.length ? `cannot export to ${JSON.stringify(positionals[0])}` : "export needs a target",
        "lychd export kubernetes",
      );
    }
    const gpu = (typeof flags.gpu === "string" ? flags.gpu : "device-plugin") as GpuMode;
    if (gpu !== "device-plugin" && gpu !== "dra") {
      throw new UsageError(`--gpu ${JSON.stringify(gpu)} is not a GPU mode`, "use device-plugin or dra");
    }
    const namespace = typeof flags.namespace === "string" ? flags.namespace : undefined;
    const dir = outDir(host, flags);
    const gatewayImage = typeof flags["gateway-image"] === "string" ? flags["gateway-image"] : undefined;
    if (gatewayImage !== undefined && !/^[^\s]+$/.test(gatewayImage)) {
      throw new UsageError(
        `--gateway-image ${JSON.stringify(gatewayImage)} is not an image reference`,
        "e.g. ghcr.io/me/lychd-gateway:0.1.0",
      );
    }

    const paths = resolvePaths(host, flags);
    const loaded = await readCodex(host, paths, { allowDefault: true, quiet: flags.quiet === true });
    const registry = await readRegistry(host, paths.cdiDirs);
    const place = (issue: CodexIssue): CodexIssue => {
      if (issue.line || !issue.path || issue.path.startsWith("--")) return issue;
      const parts = issue.path.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "")
        .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
      const pos = locate(indexToml(loaded.text), parts);
      return { ...issue, line: pos?.line, column: pos?.column };
    };
    const codex = loaded.codex;
    const envFiles = new Map<string, string | undefined>();
    for (const s of codex.services) {
      for (const f of s.raw.env_files ?? []) {
        if (!envFiles.has(f)) envFiles.set(f, await host.fs.readTextFile(f));
      }
    }
    let exported;
    try {
      const plan = makePlan(codex, registry);
      exported = exportPlan(plan, registry, { namespace, gpu, envFiles, gatewayImage });
      // Not the VRAM-as-a-set note: it is about the host's admission guard, and on a cluster every
      // stone has its own GPUs.
      warnAll(host, flags, plan.warnings.filter((w) => w.code !== "vram-overfull-group"));
    } catch (e) {
      if (e instanceof CodexError) throw new CodexError(e.file, e.issues.map(place));
      if (e instanceof KubeError) {
        if (e.path.startsWith("--")) throw new UsageError(`${e.path}: ${e.message}`, e.hint);
        throw new CodexError(codex.file, [place({ path: e.path, message: e.message, hint: e.hint })]);
      }
      throw e;
    }
    const { stringify } = await import("yaml");
    warnAll(host, flags, exported.warnings);
    const quiet = flags.quiet === true;
    if (exported.secretCommands.length && !quiet) {
      host.stderr.write(
        `lychd: the manifests reference ${exported.secretCommands.length} secret(s); create them on the cluster first:\n` +
          exported.secretCommands.map((c) => `  ${c}\n`).join(""),
      );
    }
    if (dir === undefined) {
      host.stdout.write(toStream(exported.objects, codexName(codex.file), stringify));
      return 0;
    }
    const files = toFiles(exported.objects, codexName(codex.file), stringify);
    const names = files.map((f) => f.name);
    // Every entry but the marker is judged; the marker lists the files lychd wrote.
    let owned: Promise<string[]> | undefined;
    const marked = () =>
      owned ??= host.fs.stat(`${dir}/${MARKER}`).then(async (m) =>
        m?.isFile ? parseMarker((await host.fs.readTextFile(`${dir}/${MARKER}`)) ?? "") : []
      );
    const stale = await checkOutDir(host, dir, names, {
      judges: (name) => name !== MARKER,
      owns: async (name) => (await marked()).includes(name),
      hint: "export into an empty or new directory (lychd replaces only its own previous export)",
    });
    await host.fs.mkdirp(dir);
    // The marker first: an interrupted export still marks every file it may have left.
    await host.fs.writeFileAtomic(`${dir}/${MARKER}`, markerText([...new Set([...names, ...stale])]));
    for (const f of files) await host.fs.writeFileAtomic(`${dir}/${f.name}`, f.text);
    for (const name of stale) await host.fs.remove(`${dir}/${name}`);
    await host.fs.writeFileAtomic(`${dir}/${MARKER}`, markerText(names));
    if (!quiet) {
      host.stderr.write(
        `lychd: wrote ${files.length} files to ${dir} (${gpu})${
          staleNote(stale)
        }; apply with \`kubectl apply -k ${dir}\`\n`,
      );
    }
    return 0;
  },
};

function codexName(file: string): string {
  return file.startsWith("<") ? file : file.slice(file.lastIndexOf("/") + 1);
}
