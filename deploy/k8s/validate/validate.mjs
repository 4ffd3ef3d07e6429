// Validates every Kubernetes manifest under deploy/k8s (one level, *.yaml) and exits non-zero on any problem.
//   node validate.mjs [dir]        validate the manifests in dir (default: ..)
//   node validate.mjs --self-check apply deliberate faults to copies of the manifests (and a broken YAML file in ./broken):
//                                  every one must be refused, or the self-check fails
//
// 1. Schema: each YAML document is parsed (the `yaml` package) and validated against the Kubernetes OpenAPI
//    schemas with the kubernetes-models class for its apiVersion/kind (`new Deployment(obj).validate()`).
// 2. Objects with no model (CloudNativePG Cluster, kustomize Kustomization) get a hand-written check of
//    apiVersion, kind and their required fields: they are NOT validated against the CRD's full schema.
// 3. Cross-object rules of this deployment: namespaces, selectors that match the pod labels, probes on
//    /readyz and /healthz, non-root and read-only root filesystem, resources on every container, the
//    config and secret the pods reference exist, the HPA/Ingress/PDB point at real objects, the migration
//    Job runs --migrate-only, Secret values are placeholders, the Kustomization lists existing files.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const NAMESPACE = "phonesupport";

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    const module = await import(path);
    return module[kind] ?? null;
  } catch {
    return null;
  }
}

// Objects kubernetes-models has no class for: apiVersion/kind and required fields only.
const custom = {
  "postgresql.cnpg.io/v1/Cluster": (o, problem) => {
    if (!o.metadata?.name) problem("metadata.name is required");
    if (!Number.isInteger(o.spec?.instances) || o.spec.instances < 1) problem("spec.instances must be an integer >= 1");
    if (typeof o.spec?.storage?.size !== "string" || !/^\d+(Mi|Gi|Ti)$/.test(o.spec.storage.size)) problem("spec.storage.size must be a quantity such as 50Gi");
    if (o.spec?.imageName !== undefined && typeof o.spec.imageName !== "string") problem("spec.imageName must be a string");
    if (o.spec?.bootstrap?.initdb && !o.spec.bootstrap.initdb.database) problem("spec.bootstrap.initdb.database is required");
  },
  "kustomize.config.k8s.io/v1beta1/Kustomization": (o, problem, file) => {
    if (!Array.isArray(o.resources) || o.resources.length === 0) problem("resources must list the manifests");
    for (const r of o.resources ?? []) if (!existsSync(join(dirname(file), r))) problem(`resource ${r} does not exist`);
    // The Secrets come from the secret store: a listed placeholder Secret would overwrite the real values on every apply.
    for (const r of o.resources ?? []) {
      const path = join(dirname(file), r);
      if (existsSync(path) && parseAllDocuments(readFileSync(path, "utf8")).some((d) => d.toJS()?.kind === "Secret")) problem(`resource ${r} holds a Secret: keep placeholder Secrets out of the kustomization`);
    }
  },
};

export function loadDirectory(dir) {
  const problems = [];
  const objects = [];
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
  if (files.length === 0) problems.push(`${dir}: no manifests`);
  for (const name of files) {
    const file = join(dir, name);
    const docs = parseAllDocuments(readFileSync(file, "utf8"));
    docs.forEach((doc, index) => {
      const where = `${name}#${index + 1}`;
      if (doc.errors.length) { problems.push(`${where}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`); return; }
      const obj = doc.toJS();
      if (obj == null) return;
      objects.push({ where, file, obj });
    });
  }
  return { problems, objects };
}

export async function validateObjects(objects) {
  const problems = [];
  for (const { where, file, obj } of objects) {
    const problem = (message) => problems.push(`${where} (${obj.kind ?? "?"} ${obj.metadata?.name ?? ""}): ${message}`);
    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") { problem("apiVersion and kind are required"); continue; }
    const key = `${obj.apiVersion}/${obj.kind}`;
    if (custom[key]) { custom[key](obj, problem, file); continue; }
    const Model = await modelFor(obj.apiVersion, obj.kind);
    if (!Model) { problem(`no schema known for ${key}`); continue; }
    try {
      new Model(obj).validate();
    } catch (e) {
      problem(`schema: ${e.message}`);
    }
  }
  crossChecks(objects.map((o) => o.obj).filter((o) => o.kind !== "Kustomization"), (m) => problems.push(m));
  return problems;
}

function matches(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;
}

function crossChecks(objs, problem) {
  const find = (kind, name) => objs.find((o) => o.kind === kind && o.metadata?.name === name);
  for (const o of objs) {
    const id = `${o.kind} ${o.metadata?.name}`;
    if (o.kind !== "Namespace" && o.metadata?.namespace !== NAMESPACE) problem(`${id}: metadata.namespace must be ${NAMESPACE}`);
    const pod = o.kind === "Deployment" || o.kind === "Job" ? o.spec?.template : null;
    if (pod) {
      if (o.kind === "Deployment" && !matches(o.spec.selector?.matchLabels, pod.metadata?.labels)) problem(`${id}: spec.selector does not match the pod labels`);
      if (pod.spec?.securityContext?.runAsNonRoot !== true) problem(`${id}: pod securityContext.runAsNonRoot must be true`);
      for (const c of pod.spec?.containers ?? []) {
        const cid = `${id} container ${c.name}`;
        if (c.securityContext?.readOnlyRootFilesystem !== true) problem(`${cid}: readOnlyRootFilesystem must be true`);
        if (c.securityContext?.allowPrivilegeEscalation !== false) problem(`${cid}: allowPrivilegeEscalation must be false`);
        if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory) problem(`${cid}: resources.requests (cpu, memory) and limits.memory are required`);
        if (/REPLACE|:latest$/.test(c.image ?? "") || !c.image) problem(`${cid}: image must be a pinned tag`);
        for (const ref of c.envFrom ?? []) {
          if (ref.configMapRef && !find("ConfigMap", ref.configMapRef.name)) problem(`${cid}: ConfigMap ${ref.configMapRef.name} is not defined`);
          if (ref.secretRef && !find("Secret", ref.secretRef.name)) problem(`${cid}: Secret ${ref.secretRef.name} is not defined`);
        }
        for (const e of c.env ?? []) {
          const s = e.valueFrom?.secretKeyRef;
          if (s && !(find("Secret", s.name)?.stringData ?? {})[s.key] && !(find("Secret", s.name)?.data ?? {})[s.key]) problem(`${cid}: secret key ${s.name}/${s.key} is not defined`);
        }
        if (o.kind === "Deployment") {
          if (c.readinessProbe?.httpGet?.path !== "/readyz") problem(`${cid}: readinessProbe must GET /readyz`);
          if (c.livenessProbe?.httpGet?.path !== "/healthz") problem(`${cid}: livenessProbe must GET /healthz`);
        }
        if (o.kind === "Job" && !(c.args ?? []).includes("--migrate-only")) problem(`${cid}: the migration Job must run --migrate-only`);
      }
    }
    if (o.kind === "Service" && !objs.some((d) => d.kind === "Deployment" && matches(o.spec?.selector, d.spec?.template?.metadata?.labels))) problem(`${id}: selector matches no Deployment's pods`);
    if (o.kind === "PodDisruptionBudget" && !objs.some((d) => d.kind === "Deployment" && matches(o.spec?.selector?.matchLabels, d.spec?.template?.metadata?.labels))) problem(`${id}: selector matches no Deployment's pods`);
    if (o.kind === "HorizontalPodAutoscaler") {
      const target = o.spec?.scaleTargetRef;
      if (!find(target?.kind, target?.name)) problem(`${id}: scaleTargetRef ${target?.kind} ${target?.name} is not defined`);
      if (o.spec?.minReplicas > o.spec?.maxReplicas) problem(`${id}: minReplicas > maxReplicas`);
    }
    if (o.kind === "Ingress") {
      for (const rule of o.spec?.rules ?? []) for (const p of rule.http?.paths ?? []) {
        const svc = find("Service", p.backend?.service?.name);
        if (!svc) problem(`${id}: backend Service ${p.backend?.service?.name} is not defined`);
        else if (p.backend.service.port?.name && !svc.spec.ports.some((port) => port.name === p.backend.service.port.name)) problem(`${id}: Service ${svc.metadata.name} has no port named ${p.backend.service.port.name}`);
      }
    }
    if (o.kind === "Secret") {
      for (const [k, v] of Object.entries(o.stringData ?? {})) if (!String(v).includes("REPLACE_ME")) problem(`${id}: ${k} must be a REPLACE_ME placeholder, never a real secret`);
      if (o.data && Object.keys(o.data).length) problem(`${id}: use stringData placeholders, not data`);
    }
  }
  // Every pod the deployment runs (API, migration Job, database) is selected by a NetworkPolicy.
  const policies = objs.filter((o) => o.kind === "NetworkPolicy");
  for (const o of objs) {
    const labels = o.kind === "Deployment" || o.kind === "Job" ? o.spec?.template?.metadata?.labels : o.kind === "Cluster" ? { "cnpg.io/cluster": o.metadata?.name } : null;
    if (labels && !policies.some((p) => matches(p.spec?.podSelector?.matchLabels, labels))) problem(`${o.kind} ${o.metadata?.name}: no NetworkPolicy selects its pods`);
  }
  for (const kind of ["Namespace", "ConfigMap", "Secret", "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Job", "NetworkPolicy"])
    if (!objs.some((o) => o.kind === kind)) problem(`no ${kind} manifest`);
}

// Deliberate faults, each applied to a copy of the real manifests: every one must be refused with the expected problem.
const brokenCases = [
  ["a Deployment without spec.selector (schema)", (o) => o.kind === "Deployment" && delete o.spec.selector, "must have required property selector"],
  ["a containerPort that is not an integer (schema)", (o) => o.kind === "Deployment" && (o.spec.template.spec.containers[0].ports[0].containerPort = "http"), "containerPort"],
  ["replicas as a word (schema)", (o) => o.kind === "Deployment" && (o.spec.replicas = "three"), "replicas"],
  ["an HPA metric target of an unknown type (schema)", (o) => o.kind === "HorizontalPodAutoscaler" && (o.spec.metrics[0].resource.target.type = 42), "target"],
  ["an unknown apiVersion", (o) => o.kind === "PodDisruptionBudget" && (o.apiVersion = "policy/v0"), "no schema known"],
  ["a CloudNativePG Cluster without instances", (o) => o.kind === "Cluster" && delete o.spec.instances, "spec.instances"],
  ["readiness on the wrong path", (o) => o.kind === "Deployment" && (o.spec.template.spec.containers[0].readinessProbe.httpGet.path = "/healthz"), "/readyz"],
  ["a writable root filesystem", (o) => o.kind === "Deployment" && (o.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false, true), "readOnlyRootFilesystem"],
  ["a real-looking secret", (o) => o.kind === "Secret" && (o.stringData.Twilio__AuthToken = "0123456789abcdef0123456789abcdef"), "placeholder"],
  ["a Service selecting no pods", (o) => o.kind === "Service" && (o.spec.selector = { app: "nothing" }), "matches no Deployment"],
  ["a migration Job that serves instead", (o) => o.kind === "Job" && (o.spec.template.spec.containers[0].args = []), "--migrate-only"],
  ["the placeholder Secret applied by the kustomization", (o) => o.kind === "Kustomization" && o.resources.push("secret.yaml"), "holds a Secret"],
  ["database pods no NetworkPolicy selects", (o) => o.kind === "NetworkPolicy" && o.metadata.name === "phonesupport-db" && (o.spec.podSelector.matchLabels = { "cnpg.io/cluster": "other" }), "no NetworkPolicy selects"],
];

async function selfCheck() {
  const dir = resolve(here, "..");
  let failures = 0;
  for (const [name, mutate, expected] of brokenCases) {
    const { objects } = loadDirectory(dir);
    const copy = objects.map((o) => ({ ...o, obj: structuredClone(o.obj) }));
    if (!copy.some((o) => mutate(o.obj) !== false)) { console.error(`self-check: ${name}: the fault applies to nothing`); failures++; continue; }
    const problems = await validateObjects(copy);
    const hit = problems.find((p) => p.includes(expected));
    if (!hit) { console.error(`self-check: ${name}: NOT refused as expected (${problems.length ? problems.join(" | ") : "no problems found"})`); failures++; }
    else console.log(`self-check: ${name}: refused: ${hit}`);
  }
  // And a YAML syntax error in a file.
  const { problems } = loadDirectory(join(here, "broken"));
  if (!problems.some((p) => p.includes("YAML"))) { console.error("self-check: broken/ YAML was not refused"); failures++; }
  else console.log(`self-check: broken YAML refused: ${problems[0]}`);
  return failures;
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === "--self-check") {
    const failures = await selfCheck();
    if (failures) console.error(`self-check: ${failures} broken case(s) were not refused: the validator cannot be trusted`);
    process.exit(failures ? 1 : 0);
  }
  const dir = resolve(here, args[0] ?? "..");
  const loaded = loadDirectory(dir);
  const problems = [...loaded.problems, ...(await validateObjects(loaded.objects))];
  for (const p of problems) console.error(`k8s: ${p}`);
  if (problems.length) { console.error(`k8s: ${problems.length} problem(s) in ${dir}`); process.exit(1); }
  console.log(`k8s: ${loaded.objects.length} objects in ${dir} valid`);
}

await main();
