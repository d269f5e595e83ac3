import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** deploy/kubernetes, where the kustomizations live. */
export const KUBERNETES_DIR = fileURLToPath(new URL("../kubernetes/", import.meta.url));

/** A rendered Kubernetes object, loosely typed: tests read the fields they check. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are arbitrary YAML
  [key: string]: any;
};

/** True when `kubectl` (which embeds kustomize since 1.14) is on the PATH. */
export function hasKubectl(): boolean {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Renders a kustomization with the real kustomize in kubectl (`kubectl kustomize <dir>`), never a YAML merger of our own. */
export function render(dir: string): K8sObject[] {
  const out = execFileSync("kubectl", ["kustomize", `${KUBERNETES_DIR}${dir}`], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** The model module of an apiVersion/kind in kubernetes-models or its CRD packages. */
function modelPath(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "") return `kubernetes-models/v1/${kind}`;
  if (group === "keda.sh") return `@kubernetes-models/keda/${group}/${version}/${kind}`;
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  return `kubernetes-models/${group}/${version}/${kind}`;
}

/**
 * Validates an object against its OpenAPI schema (types, enums, required fields) with the
 * kubernetes-models class of its kind; throws with the schema errors. Unknown kinds fail too.
 */
export async function validateObject(object: K8sObject): Promise<void> {
  const path = modelPath(object.apiVersion, object.kind);
  let module: Record<string, new (data: unknown) => { validate(): void }>;
  try {
    module = (await import(path)) as typeof module;
  } catch {
    throw new Error(
      `${object.kind} ${object.metadata.name}: no schema for ${object.apiVersion} ${object.kind} (${path})`,
    );
  }
  const Model = module[object.kind];
  if (!Model) throw new Error(`${path} has no ${object.kind}`);
  // kustomize wraps long base64 values over lines; the API server's decoder skips the line breaks.
  if (object.kind === "Secret" && object.data) {
    object = {
      ...object,
      data: Object.fromEntries(
        Object.entries(object.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, "")]),
      ),
    };
  }
  new Model(object).validate();
}

/** Objects of one kind. */
export const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

/** Whether a label selector's matchLabels all hold in `labels`. */
export function selects(
  matchLabels: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!matchLabels || Object.keys(matchLabels).length === 0) return true;
  return Object.entries(matchLabels).every(([k, v]) => labels?.[k] === v);
}

/** Pod templates of Deployments and Jobs with their owner. */
export function podTemplates(objects: K8sObject[]) {
  return objects
    .filter((o) => o.kind === "Deployment" || o.kind === "Job")
    .map((o) => ({
      owner: o,
      labels: o.spec.template.metadata?.labels as Record<string, string>,
      spec: o.spec.template.spec,
    }));
}

/** A container's environment as the kubelet would build it: envFrom ConfigMaps, then env; Secret refs resolved by `secret`. */
export function containerEnv(
  objects: K8sObject[],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a container spec
  container: any,
  secret: (name: string, key: string, optional: boolean) => string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    const map = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);
    if (!map) throw new Error(`container ${container.name}: envFrom ConfigMap ${name} is not in the overlay`);
    Object.assign(env, map.data);
  }
  for (const variable of container.env ?? []) {
    if ("value" in variable) env[variable.name] = variable.value;
    else if (variable.valueFrom?.secretKeyRef) {
      const ref = variable.valueFrom.secretKeyRef;
      const value = secret(ref.name, ref.key, ref.optional === true);
      if (value !== undefined) env[variable.name] = value;
    } else if (variable.valueFrom?.configMapKeyRef) {
      const ref = variable.valueFrom.configMapKeyRef;
      env[variable.name] = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === ref.name)?.data?.[ref.key];
    }
  }
  return env;
}

/** Where a container's entry point is: "gateway", a subgraph name, or "<name>-migrate". */
export function entryOf(command: string[]): { service: string; kind: "server" | "migrate" } {
  const entry = command.at(-1) ?? "";
  if (entry === "gateway/src/index.ts") return { service: "gateway", kind: "server" };
  const match = /^subgraphs\/([a-z]+)\/src\/(index|migrate)\.ts$/.exec(entry);
  if (!match) throw new Error(`unknown entry point ${entry}`);
  return { service: match[1]!, kind: match[2] === "index" ? "server" : "migrate" };
}
