//! Writing the spec of `import`: groups cleaned objects into components (a workload, the
//! Service selecting its pods, the ConfigMap and Secret it reads, its autoscaler and budget)
//! and an app (namespace, Ingress routes), and writes the keys that say what k8gen's defaults
//! (asked through `model::defaults` and `model::names`) would not produce by themselves.
//! Secret values become `{ env = "..." }` references and are returned beside the spec, never
//! written into it. It does not judge whether the spec reproduces the objects; `compare`
//! does, and what it finds becomes patches (`mod.rs`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::read::Doc;
use crate::model::{defaults, names};

/// The spec's text (without patches), the secret values it refers to (env var, value), and
/// for each document used, what it became (index into the documents, component key or
/// `ingress`/`namespace`).
pub struct Built {
    pub spec: String,
    pub secrets: Vec<(String, String)>,
    pub used: BTreeMap<usize, String>,
    /// The Secrets (of `used`) that became `{ external = ... }` references.
    pub external: BTreeSet<usize>,
}

/// The store `--external-secrets` reads from when no `--external-store` names one.
pub const DEFAULT_STORE: &str = "secret-store";

/// A secret value nobody filled in yet, which `--external-secrets` turns into a reference to
/// the secret store: empty; `changeme`, `change-me`, `change_me`, `replaceme`, `replace-me`,
/// `replace_me`, `todo`, `tbd`, `x`s only (any case, blanks around ignored); `<...>` or
/// `${...}`; or any of these base64-encoded once more.
pub fn is_placeholder(value: &str) -> bool {
    fn plain(v: &str) -> bool {
        let v = v.trim().to_ascii_lowercase();
        matches!(
            v.as_str(),
            "" | "changeme"
                | "change-me"
                | "change_me"
                | "replaceme"
                | "replace-me"
                | "replace_me"
                | "todo"
                | "tbd"
        ) || v.bytes().all(|b| b == b'x')
            || (v.starts_with('<') && v.ends_with('>'))
            || (v.starts_with("${") && v.ends_with('}'))
    }
    use base64::Engine as _;
    plain(value)
        || base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .is_some_and(|d| plain(&d))
}

/// `(key, value)` of a Secret's `data` (decoded) and `stringData`; `None` when a value is not
/// UTF-8 text.
fn secret_values(secret: &Value) -> Option<Vec<(String, String)>> {
    use base64::Engine as _;
    let mut out = Vec::new();
    for (k, v) in secret
        .get("data")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .ok()?;
        out.push((k.clone(), String::from_utf8(bytes).ok()?));
    }
    for (k, v) in secret
        .get("stringData")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        out.push((k.clone(), v.as_str()?.to_string()));
    }
    Some(out)
}

/// The security context's flags import writes as `security` keys: (field, key, value in
/// `base`).
fn security_flags(base: &crate::model::Security) -> [(&'static str, &'static str, bool); 3] {
    [
        ("runAsNonRoot", "run_as_non_root", base.run_as_non_root),
        (
            "readOnlyRootFilesystem",
            "read_only_root_filesystem",
            base.read_only_root_filesystem,
        ),
        (
            "allowPrivilegeEscalation",
            "allow_privilege_escalation",
            base.allow_privilege_escalation,
        ),
    ]
}

/// The `security` keys, in order, of an init container's or sidecar's own security context
/// `sc`, given the component's keys `main` (what the container would take without its own):
/// `hardened = false` when it runs as root, then each setting that differs from the base.
fn own_security(sc: &Value, main: &[(String, String)]) -> Vec<(String, String)> {
    use crate::model::Security;
    let root = sc.get("runAsNonRoot") == Some(&Value::Bool(false))
        || sc.get("runAsUser").and_then(Value::as_i64) == Some(0);
    let base = if root {
        Security::unhardened()
    } else {
        Security::default()
    };
    let mut keys: Vec<(String, String)> = if root {
        vec![("hardened".to_string(), "false".to_string())]
    } else {
        main.to_vec()
    };
    let put = |keys: &mut Vec<(String, String)>, k: &str, v: Option<String>| {
        keys.retain(|(x, _)| x != k);
        if let Some(v) = v {
            keys.push((k.to_string(), v));
        }
    };
    if let Some(u) = sc.get("runAsUser").and_then(Value::as_i64) {
        put(
            &mut keys,
            "run_as_user",
            (Some(u) != base.run_as_user).then(|| u.to_string()),
        );
    }
    for (field, toml, default) in security_flags(&base) {
        if let Some(v) = sc.get(field).and_then(Value::as_bool) {
            put(&mut keys, toml, (v != default).then(|| v.to_string()));
        }
    }
    if let Some(add) = sc
        .pointer("/capabilities/add")
        .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
    {
        put(&mut keys, "capabilities", Some(toml_value(add)));
    }
    keys
}

/// A TOML value written inline.
pub fn toml_value(v: &Value) -> String {
    match v {
        Value::String(s) => string(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => {
            if m.is_empty() {
                "{}".to_string()
            } else {
                format!(
                    "{{ {} }}",
                    m.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| format!("{} = {}", tkey(k), toml_value(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
        Value::Null => "\"\"".to_string(),
        other => other.to_string(),
    }
}

/// A TOML basic string (JSON's escapes are TOML's).
pub fn string(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

/// A TOML key: bare when it can be, else quoted.
pub fn tkey(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_string()
    } else {
        string(k)
    }
}

fn s<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn kind(d: &Doc) -> &str {
    s(&d.value, "/kind").unwrap_or_default()
}

fn name(d: &Doc) -> &str {
    s(&d.value, "/metadata/name").unwrap_or_default()
}

/// Lines of one table of the spec (`None`: the top level).
#[derive(Default)]
struct Writer {
    tables: Vec<(Option<String>, Vec<String>)>,
}

impl Writer {
    fn line(&mut self, table: Option<&str>, line: String) {
        let table = table.map(str::to_string);
        match self.tables.iter_mut().find(|(t, _)| *t == table) {
            Some((_, lines)) => lines.push(line),
            None => self.tables.push((table, vec![line])),
        }
    }

    fn text(mut self) -> String {
        self.tables.sort_by_key(|(t, _)| t.is_some());
        let mut out = String::new();
        for (t, lines) in self.tables {
            if let Some(t) = t {
                // `[name]#N` is the N-th table of an array of tables `[[name]]`.
                match t.split_once('#') {
                    Some((array, _)) => out.push_str(&format!("\n[{array}]\n")),
                    None => out.push_str(&format!("\n[{t}]\n")),
                }
            }
            for l in lines {
                out.push_str(&l);
                out.push('\n');
            }
        }
        out
    }
}

/// The app's name when the caller gives none: the only workload's name, else the part-of
/// label all objects share, else `fallback`.
pub fn app_name(docs: &[Doc], fallback: &str) -> String {
    let workloads: Vec<&Doc> = docs.iter().filter(|d| is_complete_workload(d)).collect();
    if let [only] = workloads.as_slice() {
        return name(only).to_string();
    }
    let part_of: Vec<Option<&str>> = docs
        .iter()
        .map(|d| {
            d.value
                .pointer("/metadata/labels")
                .and_then(|l| l.get(crate::kube::labels::PART_OF))
                .and_then(Value::as_str)
        })
        .collect();
    if let Some(Some(first)) = part_of.first()
        && part_of.iter().all(|p| p == &Some(*first))
    {
        return first.to_string();
    }
    fallback.to_string()
}

fn is_workload(kind: &str) -> bool {
    matches!(kind, "Deployment" | "StatefulSet")
}

/// A Deployment or StatefulSet with a container image (not a fragment of one).
pub fn is_complete_workload(d: &Doc) -> bool {
    is_workload(kind(d))
        && s(&d.value, "/spec/template/spec/containers/0/image").is_some_and(|i| !i.is_empty())
}

/// An env var name for a secret value: `APP_COMPONENT_KEY`, upper case, `_` for the rest.
fn env_name(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("_")
}

/// The first of `names` (objects of kind `kind` a component's pods read) that the input has
/// and no component took yet: taken by component `key`, its name pinned as `names.PIN` when
/// it is not `derived`.
fn take(
    docs: &[Doc],
    used: &mut BTreeMap<usize, String>,
    pins: &mut Vec<String>,
    (names, kind_): (Vec<String>, &str),
    (pin, derived): (&str, String),
    key: &str,
) -> Option<usize> {
    let i = names.into_iter().find_map(|n| {
        docs.iter()
            .position(|x| kind(x) == kind_ && name(x) == n)
            .filter(|i| !used.contains_key(i))
    })?;
    used.insert(i, key.to_string());
    if name(&docs[i]) != derived {
        pins.push(format!("{pin} = {}", string(name(&docs[i]))));
    }
    Some(i)
}

/// `{ name = port, name = { port, protocol } }`: container ports (name, number, protocol).
fn ports_table(named: &[(String, i64, Option<String>)]) -> String {
    format!(
        "{{ {} }}",
        named
            .iter()
            .map(|(n, p, proto)| match proto {
                Some(proto) => format!(
                    "{} = {{ port = {p}, protocol = {} }}",
                    tkey(n),
                    string(proto)
                ),
                None => format!("{} = {p}", tkey(n)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The keys of a `service` table (inline) that make k8gen's Service for the container ports
/// `named` into `sv`: type, headless, then `port`/`node_port` of its first port, or with
/// several named ports `ports = [...]` (a container port's name where the Service port is
/// that port, else a table). What they miss stays a difference, for a patch.
fn service_parts(sv: &Value, named: &[(String, i64, Option<String>)]) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(ty) = s(sv, "/spec/type") {
        parts.push(format!("type = {}", string(ty)));
    }
    if s(sv, "/spec/clusterIP") == Some("None") {
        parts.push("headless = true".to_string());
    }
    if let Some(a) = sv
        .pointer("/metadata/annotations")
        .filter(|a| a.as_object().is_some_and(|a| !a.is_empty()))
    {
        parts.push(format!("annotations = {}", toml_value(a)));
    }
    let sports: Vec<&Value> = sv
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    let same_as_container = sports.len() == named.len()
        && sports.iter().zip(named).all(|(sp, (_, n, _))| {
            sp.get("port").and_then(Value::as_i64) == Some(*n) && sp.get("nodePort").is_none()
        });
    if same_as_container {
        return parts;
    }
    // Several ports, each named: listed.
    let listed: Option<Vec<String>> = (sports.len() > 1)
        .then(|| {
            sports
                .iter()
                .map(|sp| {
                    let n = s(sp, "/name")?;
                    let port = sp.get("port")?.as_i64()?;
                    let target = sp.get("targetPort");
                    let is_container_port = named.iter().any(|(cn, cp, _)| {
                        cn == n
                            && *cp == port
                            && target
                                .is_none_or(|t| t.as_str() == Some(n) || t.as_i64() == Some(port))
                    });
                    if is_container_port && sp.get("nodePort").is_none() {
                        return Some(string(n));
                    }
                    let mut t = vec![format!("name = {}", string(n)), format!("port = {port}")];
                    if let Some(target) = target {
                        t.push(format!("target_port = {}", toml_value(target)));
                    }
                    if let Some(np) = sp.get("nodePort") {
                        t.push(format!("node_port = {np}"));
                    }
                    Some(format!("{{ {} }}", t.join(", ")))
                })
                .collect()
        })
        .flatten();
    if let Some(listed) = listed {
        parts.push(format!("ports = [{}]", listed.join(", ")));
    } else if let Some(first) = sports.first() {
        if let Some(p) = first.get("port") {
            parts.push(format!("port = {p}"));
        }
        if let Some(n) = first.get("nodePort") {
            parts.push(format!("node_port = {n}"));
        }
    }
    parts
}

/// `requests = {...}` and `limits = {...}` of a container's resources (quantities as strings).
fn resources(c: &Value) -> Vec<String> {
    let Some(r) = c.get("resources").and_then(Value::as_object) else {
        return Vec::new();
    };
    ["requests", "limits"]
        .into_iter()
        .filter_map(|part| {
            let q: Map<String, Value> = r
                .get(part)?
                .as_object()?
                .iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    (k.clone(), Value::String(v))
                })
                .collect();
            Some(format!("{part} = {}", toml_value(&Value::Object(q))))
        })
        .collect()
}

/// Groups `docs` into app `app` and writes its spec, as `options` say.
pub fn build(app: &str, docs: &[Doc], options: &super::Options) -> Built {
    let mut w = Writer::default();
    let mut used = BTreeMap::new();
    let mut external = BTreeSet::new();
    let mut secrets = Vec::new();
    let strict = !options.extra_labels;
    w.line(None, format!("name = {}", string(app)));
    if strict {
        w.line(None, "extra_labels = false".to_string());
    }

    // The namespace every object names, and whether the input makes it.
    let namespaces: Vec<Option<&str>> = docs
        .iter()
        .filter(|d| {
            matches!(
                kind(d),
                "Deployment"
                    | "StatefulSet"
                    | "Service"
                    | "ConfigMap"
                    | "Secret"
                    | "HorizontalPodAutoscaler"
                    | "PodDisruptionBudget"
                    | "Ingress"
            )
        })
        .map(|d| s(&d.value, "/metadata/namespace"))
        .collect();
    if let Some(Some(ns)) = namespaces.first()
        && namespaces.iter().all(|n| n == &Some(*ns))
    {
        w.line(None, format!("namespace = {}", string(ns)));
        match docs
            .iter()
            .position(|d| kind(d) == "Namespace" && name(d) == *ns)
        {
            Some(i) => {
                used.insert(i, "namespace".to_string());
            }
            None => w.line(None, "create_namespace = false".to_string()),
        }
    }

    // Components: one per workload, keyed so that derived names match where they can.
    let mut keys: Vec<String> = Vec::new();
    let mut services: BTreeMap<String, (String, String)> = BTreeMap::new(); // Service name -> (key, port name)
    let mut scheme_app = Vec::new();
    let mut selector_keys: Vec<String> = Vec::new();
    // (key, table, workload document) of each component.
    let mut tables: Vec<(String, Option<String>, usize)> = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        if !is_complete_workload(d) {
            continue;
        }
        let wname = name(d).to_string();
        let selector: BTreeMap<String, String> = d
            .value
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        selector_keys.extend(selector.keys().cloned());
        let recommended_key = match (
            selector.get(crate::kube::labels::NAME),
            selector.get(crate::kube::labels::INSTANCE),
        ) {
            (Some(n), Some(inst)) if selector.len() == 2 && *inst == wname => Some(n.clone()),
            _ => None,
        };
        let key = recommended_key.clone().unwrap_or_else(|| {
            if wname == app {
                wname.clone()
            } else {
                names::component_key(app, &wname)
                    .map(str::to_string)
                    .unwrap_or_else(|| wname.clone())
            }
        });
        let key = if keys.contains(&key) {
            wname.clone()
        } else {
            key
        };
        keys.push(key.clone());
        let table = (key != app).then(|| format!("components.{}", self::tkey(&key)));
        tables.push((key.clone(), table.clone(), i));
        let t = table.as_deref();
        let sub = |name: &str| match t {
            Some(t) => format!("{t}.{name}"),
            None => name.to_string(),
        };
        used.insert(i, key.clone());
        let derived = names::component(app, &key);
        let mut pins: Vec<String> = Vec::new();
        if derived != wname {
            pins.push(format!("workload = {}", string(&wname)));
        }
        if kind(d) != "Deployment" {
            w.line(t, format!("kind = {}", string(kind(d))));
        }
        let pod = d
            .value
            .pointer("/spec/template/spec")
            .cloned()
            .unwrap_or_default();
        let pod_labels = d
            .value
            .pointer("/spec/template/metadata/labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let empty = Vec::new();
        let containers = pod
            .get("containers")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        let c = containers.first().cloned().unwrap_or_default();
        let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
        w.line(t, format!("image = {}", string(image)));
        let policy =
            c.get("imagePullPolicy")
                .and_then(Value::as_str)
                .unwrap_or(if image.contains('@') {
                    "IfNotPresent"
                } else if image
                    .rsplit('/')
                    .next()
                    .is_some_and(|l| !l.contains(':') || l.ends_with(":latest"))
                {
                    "Always"
                } else {
                    "IfNotPresent"
                });
        if policy != defaults::pull_policy(image).as_str() {
            w.line(t, format!("image_pull_policy = {}", string(policy)));
        }
        // What k8gen's defaults would give this component (asked, never assumed here).
        let mut model = crate::model::Component::new(key.clone(), image);
        if let Some(cname) = c.get("name").and_then(Value::as_str)
            && cname != defaults::container_name(&model)
        {
            w.line(t, format!("container = {}", string(cname)));
        }

        // The autoscaler and budget of this workload.
        let hpa = docs.iter().position(|h| {
            kind(h) == "HorizontalPodAutoscaler"
                && s(&h.value, "/spec/scaleTargetRef/name") == Some(&wname)
                && s(&h.value, "/spec/scaleTargetRef/kind") == Some(kind(d))
        });
        if hpa.is_some() {
            // Only whether there is one matters to the default count.
            model.autoscale = Some(crate::model::Autoscale {
                min: 1,
                max: 1,
                cpu_percent: None,
                memory_percent: None,
            });
        }
        if let Some(r) = d.value.pointer("/spec/replicas")
            && r.as_i64() != defaults::replicas(&model).map(i64::from)
        {
            w.line(t, format!("replicas = {r}"));
        }
        if let Some(g) = pod.get("terminationGracePeriodSeconds") {
            w.line(t, format!("termination_grace_period_seconds = {g}"));
        }
        if let Some(n) = pod.get("nodeSelector").filter(|n| n.is_object()) {
            w.line(
                Some(&sub("scheduling")),
                format!("node_selector = {}", toml_value(n)),
            );
        }
        // Security: each setting that relaxes k8gen's default (the pod's user when user,
        // group and fsGroup are one UID; the rest from the main container, else the pod).
        let default = &model.security;
        let mut security: Vec<String> = Vec::new();
        // A pod that says nothing of security runs as its images want (often as root, writing
        // to their filesystem: official postgres, redis, nginx), and k8gen's hardening would
        // stop it: the spec keeps it as it runs, `hardened = false` (linted, relaxed-security).
        let unset = |v: Option<&Value>| v.is_none_or(|v| v.as_object().is_some_and(Map::is_empty));
        let init = pod.get("initContainers").and_then(Value::as_array);
        if unset(pod.get("securityContext"))
            && containers
                .iter()
                .chain(init.into_iter().flatten())
                .all(|x| unset(x.get("securityContext")))
        {
            security.push("hardened = false".to_string());
        } else {
            // A security context without a user keeps the image's user (k8gen's UID would
            // change who owns what the image writes), and without `runAsNonRoot` it may be
            // root: not refused.
            let anywhere = |f: &str| {
                c.pointer(&format!("/securityContext/{f}"))
                    .or(pod.pointer(&format!("/securityContext/{f}")))
            };
            if anywhere("runAsUser").is_none() {
                if default.run_as_user.is_some() {
                    security.push("run_as_user = false".to_string());
                }
                if anywhere("runAsNonRoot").is_none() && default.run_as_non_root {
                    security.push("run_as_non_root = false".to_string());
                }
            }
        }
        // An existing ServiceAccount whose token the pods mount (the API's default): kept
        // mounted, as the app may call the API with it.
        if s(&pod, "/serviceAccountName").is_some_and(|sa| sa != "default")
            && pod.get("automountServiceAccountToken").is_none()
            && default.service_account_token != Some(true)
        {
            security.push("service_account_token = true".to_string());
        }
        if let Some(u) = pod
            .pointer("/securityContext/runAsUser")
            .and_then(Value::as_i64)
            && ["runAsGroup", "fsGroup"]
                .iter()
                .all(|f| pod.pointer(&format!("/securityContext/{f}")) == Some(&Value::from(u)))
            && Some(u) != default.run_as_user
        {
            security.push(format!("run_as_user = {u}"));
        }
        let flag = |field: &str| {
            c.pointer(&format!("/securityContext/{field}"))
                .or(pod.pointer(&format!("/securityContext/{field}")))
                .and_then(Value::as_bool)
        };
        for (field, toml, default) in security_flags(default) {
            if let Some(v) = flag(field).filter(|v| *v != default) {
                security.push(format!("{toml} = {v}"));
            }
        }
        if let Some(add) = c
            .pointer("/securityContext/capabilities/add")
            .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
        {
            security.push(format!("capabilities = {}", toml_value(add)));
        }
        if !security.is_empty() {
            w.line(t, format!("security = {{ {} }}", security.join(", ")));
        }
        let main_security: Vec<(String, String)> = security
            .iter()
            .filter_map(|k| {
                let (k, v) = k.split_once(" = ")?;
                Some((k.to_string(), v.to_string()))
            })
            .collect();
        if let Some(sa) = s(&pod, "/serviceAccountName") {
            w.line(t, format!("service_account = {}", string(sa)));
        }
        if let Some(pc) = s(&pod, "/priorityClassName") {
            w.line(
                Some(&sub("scheduling")),
                format!("priority_class = {}", string(pc)),
            );
        }

        // Ports: `port = N` for one named http, else a table in order.
        let ports: Vec<&Value> = c
            .get("ports")
            .and_then(Value::as_array)
            .map(|p| p.iter().collect())
            .unwrap_or_default();
        // An unnamed single port takes the name the Service gives its single port.
        let service_port_name = docs
            .iter()
            .filter(|x| kind(x) == "Service")
            .filter(|x| {
                x.value
                    .pointer("/spec/selector")
                    .and_then(Value::as_object)
                    .is_some_and(|sel| {
                        !sel.is_empty() && sel.iter().all(|(k, v)| pod_labels.get(k) == Some(v))
                    })
            })
            .find_map(
                |x| match x.value.pointer("/spec/ports")?.as_array()?.as_slice() {
                    [only] => only.get("name")?.as_str().map(str::to_string),
                    _ => None,
                },
            );
        let port_name = |p: &Value, i: usize| {
            p.get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| match (&service_port_name, ports.len()) {
                    (Some(n), 1) => n.clone(),
                    (None, 1) => "http".to_string(),
                    _ => format!("port-{i}"),
                })
        };
        let mut named: Vec<(String, i64, Option<String>)> = ports
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    port_name(p, i),
                    p.get("containerPort").and_then(Value::as_i64).unwrap_or(0),
                    p.get("protocol")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                )
            })
            .collect();
        // A container that declares no port (the API does not require it) behind a Service:
        // the ports the Service sends to (its numeric target ports, else its ports), which a
        // k8gen Service needs. Declaring them changes nothing the pods do.
        if named.is_empty() {
            let sports: Vec<Value> = docs
                .iter()
                .find(|x| {
                    kind(x) == "Service"
                        && x.value
                            .pointer("/spec/selector")
                            .and_then(Value::as_object)
                            .is_some_and(|sel| {
                                !sel.is_empty()
                                    && sel.iter().all(|(k, v)| pod_labels.get(k) == Some(v))
                            })
                })
                .and_then(|x| x.value.pointer("/spec/ports")?.as_array().cloned())
                .unwrap_or_default();
            let single = sports.len() == 1;
            named = sports
                .iter()
                .enumerate()
                .filter_map(|(i, sp)| {
                    let number = sp
                        .get("targetPort")
                        .map_or(sp.get("port")?.as_i64(), Value::as_i64)?;
                    let name = s(sp, "/name").map(str::to_string).unwrap_or_else(|| {
                        if single {
                            "http".to_string()
                        } else {
                            format!("port-{i}")
                        }
                    });
                    Some((name, number, s(sp, "/protocol").map(str::to_string)))
                })
                .collect();
        }
        match named.as_slice() {
            [] => {}
            [(n, p, None)] if n == "http" => w.line(t, format!("port = {p}")),
            _ => w.line(t, format!("ports = {}", ports_table(&named))),
        }
        for field in ["command", "args"] {
            if let Some(v) = c.get(field) {
                w.line(t, format!("{field} = {}", toml_value(v)));
            }
        }

        // Selector: the recommended one, the `app` scheme, or kept as it is.
        if recommended_key.as_deref() == Some(key.as_str()) {
        } else if selector.len() == 1 && selector.get("app") == Some(&wname) {
            scheme_app.push((t.map(str::to_string), true));
        } else if !selector.is_empty()
            && !selector.keys().any(|k| crate::values::is_reserved_label(k))
        {
            w.line(
                t,
                format!(
                    "selector = {}",
                    toml_value(&serde_json::to_value(&selector).unwrap_or_default())
                ),
            );
        }
        // Else labels k8gen owns, with other values than it would give: the selectors are
        // patched (and no NetworkPolicy is made: see `network` below).

        // The ConfigMap and Secret its pods read.
        let reads = |what: &str| -> Vec<String> {
            let (from, key_ref, vol) = if what == "ConfigMap" {
                ("configMapRef", "configMapKeyRef", "configMap")
            } else {
                ("secretRef", "secretKeyRef", "secret")
            };
            let mut out = Vec::new();
            for c in containers {
                for e in c.get("envFrom").and_then(Value::as_array).unwrap_or(&empty) {
                    if let Some(n) = e.pointer(&format!("/{from}/name")).and_then(Value::as_str) {
                        out.push(n.to_string());
                    }
                }
                for e in c.get("env").and_then(Value::as_array).unwrap_or(&empty) {
                    if let Some(n) = e
                        .pointer(&format!("/valueFrom/{key_ref}/name"))
                        .and_then(Value::as_str)
                    {
                        out.push(n.to_string());
                    }
                }
            }
            for v in pod
                .get("volumes")
                .and_then(Value::as_array)
                .unwrap_or(&empty)
            {
                let n = if vol == "secret" {
                    v.pointer("/secret/secretName")
                } else {
                    v.pointer("/configMap/name")
                };
                if let Some(n) = n.and_then(Value::as_str) {
                    out.push(n.to_string());
                }
            }
            out
        };
        let object_name = pins
            .first()
            .map(|_| wname.clone())
            .unwrap_or_else(|| derived.clone());
        let config = take(
            docs,
            &mut used,
            &mut pins,
            (reads("ConfigMap"), "ConfigMap"),
            ("config", names::config_map(&object_name)),
            &key,
        );
        let config_data = config.and_then(|ci| docs[ci].value.get("data")?.as_object());
        for (k, v) in config_data.into_iter().flatten() {
            w.line(
                Some(&sub("config")),
                format!("{} = {}", tkey(k), toml_value(v)),
            );
        }
        let secret = take(
            docs,
            &mut used,
            &mut pins,
            (reads("Secret"), "Secret"),
            ("secrets", names::secret(&object_name)),
            &key,
        );
        if let Some(si) = secret {
            let values = secret_values(&docs[si].value);
            let placeholders = options.external_store.is_some()
                && values
                    .as_ref()
                    .is_some_and(|v| !v.is_empty() && v.iter().all(|(_, x)| is_placeholder(x)));
            for (k, text) in values.into_iter().flatten() {
                if placeholders {
                    let sv = &docs[si].value;
                    let remote = [
                        s(sv, "/metadata/namespace"),
                        Some(name(&docs[si])),
                        Some(&k),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("/");
                    w.line(
                        Some(&sub("secrets")),
                        format!("{} = {{ external = {} }}", self::tkey(&k), string(&remote)),
                    );
                    continue;
                }
                let var = env_name(&[app, if key == app { "" } else { &key }, &k]);
                w.line(
                    Some(&sub("secrets")),
                    format!("{} = {{ env = {} }}", self::tkey(&k), string(&var)),
                );
                secrets.push((var, text));
            }
            if placeholders {
                external.insert(si);
            }
        }
        let config_name = config.map(|i| name(&docs[i]).to_string());
        let secret_name = secret.map(|i| name(&docs[i]).to_string());

        // Env vars, in order.
        for e in c.get("env").and_then(Value::as_array).unwrap_or(&empty) {
            let Some(n) = e.get("name").and_then(Value::as_str) else {
                continue;
            };
            let value = if let Some(v) = e.get("value") {
                Some(toml_value(&Value::String(
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )))
            } else if let Some(r) = e.pointer("/valueFrom/configMapKeyRef")
                && s(r, "/name") == config_name.as_deref()
            {
                s(r, "/key").map(|k| format!("{{ config = {} }}", string(k)))
            } else if let Some(r) = e.pointer("/valueFrom/secretKeyRef")
                && s(r, "/name") == secret_name.as_deref()
            {
                s(r, "/key").map(|k| format!("{{ secret = {} }}", string(k)))
            } else {
                e.pointer("/valueFrom/fieldRef/fieldPath")
                    .and_then(Value::as_str)
                    .map(|f| format!("{{ field = {} }}", string(f)))
            };
            if let Some(value) = value {
                w.line(Some(&sub("env")), format!("{} = {value}", tkey(n)));
            }
        }

        // Init containers and further containers: name, image (when not the component's),
        // command, args, literal env; the rest (ports, probes, ...) is patched.
        for (list, field) in [("init", "initContainers"), ("sidecars", "containers")] {
            let items = pod.get(field).and_then(Value::as_array).unwrap_or(&empty);
            let skip = usize::from(field == "containers");
            for (n, x) in items.iter().enumerate().skip(skip) {
                let table = format!("[{}]#{n}", sub(list));
                let tbl = Some(table.as_str());
                let xname = x.get("name").and_then(Value::as_str).unwrap_or_default();
                w.line(tbl, format!("name = {}", string(xname)));
                if let Some(img) = x.get("image").and_then(Value::as_str)
                    && img != image
                {
                    w.line(tbl, format!("image = {}", string(img)));
                }
                for f in ["command", "args"] {
                    if let Some(v) = x.get(f) {
                        w.line(tbl, format!("{f} = {}", toml_value(v)));
                    }
                }
                let literal: Vec<String> = x
                    .get("env")
                    .and_then(Value::as_array)
                    .unwrap_or(&empty)
                    .iter()
                    .filter_map(|e| {
                        Some(format!(
                            "{} = {}",
                            tkey(e.get("name")?.as_str()?),
                            string(e.get("value")?.as_str()?)
                        ))
                    })
                    .collect();
                if !literal.is_empty() {
                    w.line(tbl, format!("env = {{ {} }}", literal.join(", ")));
                }
                let xres = resources(x);
                if !xres.is_empty() {
                    w.line(tbl, format!("resources = {{ {} }}", xres.join(", ")));
                }
                // Sidecar ports, when each has a name (an unnamed one stays a patch).
                let xports: Option<Vec<(String, i64, Option<String>)>> = x
                    .get("ports")
                    .and_then(Value::as_array)
                    .filter(|_| list == "sidecars")
                    .and_then(|ps| {
                        ps.iter()
                            .map(|p| {
                                Some((
                                    s(p, "/name")?.to_string(),
                                    p.get("containerPort")?.as_i64()?,
                                    s(p, "/protocol").map(str::to_string),
                                ))
                            })
                            .collect()
                    });
                if let Some(xports) = xports.filter(|p| !p.is_empty()) {
                    w.line(tbl, format!("ports = {}", ports_table(&xports)));
                }
                // Its own security context, when it is not the main container's.
                if let Some(sc) = x.get("securityContext")
                    && c.get("securityContext") != Some(sc)
                {
                    let keys = own_security(sc, &main_security);
                    w.line(
                        tbl,
                        format!(
                            "security = {{ {} }}",
                            keys.iter()
                                .map(|(k, v)| format!("{k} = {v}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }

        // Pod annotations (not the checksums a chart computes) and the main container's
        // emptyDir and claim volumes.
        let annotations: Map<String, Value> = d
            .value
            .pointer("/spec/template/metadata/annotations")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(k, _)| strict || !k.starts_with("checksum/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !annotations.is_empty() {
            w.line(
                t,
                format!(
                    "pod_annotations = {}",
                    toml_value(&Value::Object(annotations))
                ),
            );
        }
        for m in c
            .get("volumeMounts")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            let (Some(vname), Some(path)) = (s(m, "/name"), s(m, "/mountPath")) else {
                continue;
            };
            // `tmp` is the name of k8gen's own writable /tmp (a render's, read back).
            if m.as_object().is_some_and(|m| m.len() != 2) || vname == "tmp" {
                continue;
            }
            // A StatefulSet's claim template: a new claim per pod, `{ mount, size, class,
            // access }` (only the name, access modes, class and storage request).
            let template = d
                .value
                .pointer("/spec/volumeClaimTemplates")
                .and_then(Value::as_array)
                .unwrap_or(&empty)
                .iter()
                .find(|t| s(t, "/metadata/name") == Some(vname));
            if let Some(t) = template
                && t.as_object().is_some_and(|o| o.len() <= 2)
                && t.get("metadata")
                    .and_then(Value::as_object)
                    .is_some_and(|m| m.len() == 1)
                && let Some(size) = s(t, "/spec/resources/requests/storage")
            {
                let mut parts = vec![
                    format!("mount = {}", string(path)),
                    format!("size = {}", string(size)),
                ];
                if let Some(class) = s(t, "/spec/storageClassName") {
                    parts.push(format!("class = {}", string(class)));
                }
                if let Some(access) = t.pointer("/spec/accessModes").filter(|a| {
                    a.as_array().is_none_or(|a| {
                        a.iter().map(Value::as_str).collect::<Vec<_>>()
                            != defaults::access_modes()
                                .iter()
                                .map(|m| Some(m.as_str()))
                                .collect::<Vec<_>>()
                    })
                }) {
                    parts.push(format!("access = {}", toml_value(access)));
                }
                w.line(
                    Some(&sub("volumes")),
                    format!("{} = {{ {} }}", tkey(vname), parts.join(", ")),
                );
                continue;
            }
            let Some(v) = pod
                .get("volumes")
                .and_then(Value::as_array)
                .unwrap_or(&empty)
                .iter()
                .find(|v| s(v, "/name") == Some(vname))
            else {
                continue;
            };
            let line = if v
                .get("emptyDir")
                .is_some_and(|e| e.as_object().is_some_and(Map::is_empty))
            {
                format!("{} = {{ mount = {} }}", tkey(vname), string(path))
            } else if let Some(claim) = s(v, "/persistentVolumeClaim/claimName") {
                format!(
                    "{} = {{ mount = {}, claim = {} }}",
                    tkey(vname),
                    string(path),
                    string(claim)
                )
            } else {
                continue;
            };
            w.line(Some(&sub("volumes")), line);
        }

        // Probes.
        let main_port = named
            .iter()
            .find(|(n, _, _)| n == "http")
            .or(if named.len() == 1 {
                named.first()
            } else {
                None
            })
            .map(|(_, p, _)| *p);
        for (field, probe) in [
            ("livenessProbe", "liveness"),
            ("readinessProbe", "readiness"),
            ("startupProbe", "startup"),
        ] {
            let Some(p) = c.get(field).and_then(Value::as_object) else {
                continue;
            };
            let mut parts: Vec<String> = Vec::new();
            // The port, when it is not the main one a probe uses by default.
            let other_port = |a: &Value| {
                a.get("port")
                    .and_then(Value::as_i64)
                    .filter(|n| Some(*n) != main_port)
                    .map(|n| format!("port = {n}"))
            };
            if let Some(a) = p.get("httpGet") {
                parts.push(format!("http = {}", string(s(a, "/path").unwrap_or("/"))));
                parts.extend(other_port(a));
            } else if let Some(a) = p.get("tcpSocket") {
                parts.push("tcp = true".to_string());
                parts.extend(other_port(a));
            } else if let Some(a) = p.get("exec").and_then(|e| e.get("command")) {
                parts.push(format!("exec = {}", toml_value(a)));
            } else if let Some(port) = p.get("grpc").and_then(|g| g.get("port")?.as_i64()) {
                parts.push(format!("grpc = {port}"));
                if let Some(service) = s(&p["grpc"], "/service") {
                    parts.push(format!("service = {}", string(service)));
                }
            } else {
                continue;
            }
            // HTTP headers, in the order the probe sends them.
            let headers: Vec<String> = p
                .get("httpGet")
                .and_then(|h| h.get("httpHeaders")?.as_array())
                .unwrap_or(&empty)
                .iter()
                .filter_map(|h| {
                    Some(format!(
                        "{} = {}",
                        tkey(s(h, "/name")?),
                        string(s(h, "/value")?)
                    ))
                })
                .collect();
            if !headers.is_empty() {
                parts.push(format!("headers = {{ {} }}", headers.join(", ")));
            }
            for (json, toml) in [
                ("initialDelaySeconds", "initial_delay_seconds"),
                ("periodSeconds", "period_seconds"),
                ("timeoutSeconds", "timeout_seconds"),
                ("successThreshold", "success_threshold"),
                ("failureThreshold", "failure_threshold"),
            ] {
                if let Some(v) = p.get(json) {
                    parts.push(format!("{toml} = {v}"));
                }
            }
            let text = if parts.len() == 1 && parts[0].starts_with("http = ") {
                format!("\"GET {}\"", s(&p["httpGet"], "/path").unwrap_or("/"))
            } else {
                format!("{{ {} }}", parts.join(", "))
            };
            w.line(Some(&sub("probes")), format!("{probe} = {text}"));
        }

        // Resources.
        for part in resources(&c) {
            w.line(Some(&sub("resources")), part);
        }

        // Rollout.
        if let Some(st) = d.value.pointer("/spec/strategy") {
            if s(st, "/type") == Some("Recreate") {
                w.line(Some(&sub("rollout")), "strategy = \"Recreate\"".to_string());
            }
            for (json, toml) in [
                ("maxSurge", "max_surge"),
                ("maxUnavailable", "max_unavailable"),
            ] {
                if let Some(v) = st.pointer(&format!("/rollingUpdate/{json}")) {
                    w.line(Some(&sub("rollout")), format!("{toml} = {}", toml_value(v)));
                }
            }
        }

        // The Service selecting its pods.
        let service = docs.iter().enumerate().position(|(xi, x)| {
            kind(x) == "Service"
                && !used.contains_key(&xi)
                && x.value
                    .pointer("/spec/selector")
                    .and_then(Value::as_object)
                    .is_some_and(|sel| {
                        !sel.is_empty() && sel.iter().all(|(k, v)| pod_labels.get(k) == Some(v))
                    })
        });
        match service {
            None if !named.is_empty() => w.line(t, "service = false".to_string()),
            None => {}
            Some(si) => {
                used.insert(si, key.clone());
                let sv = &docs[si].value;
                let sname = name(&docs[si]);
                if sname != object_name {
                    pins.push(format!("service = {}", string(sname)));
                }
                let sports: Vec<&Value> = sv
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .map(|p| p.iter().collect())
                    .unwrap_or_default();
                for p in &sports {
                    if let Some(n) = p.get("name").and_then(Value::as_str) {
                        services.insert(format!("{sname}:{n}"), (key.clone(), n.to_string()));
                    }
                    if let Some(n) = p.get("port") {
                        services.insert(format!("{sname}:{n}"), (key.clone(), n.to_string()));
                    }
                }
                let parts = service_parts(sv, &named);
                if !parts.is_empty() {
                    w.line(t, format!("service = {{ {} }}", parts.join(", ")));
                }
                // Further Services with the same selector: `services.KEY`, named after the
                // component's Service as k8gen names them.
                let own_selector = sv.pointer("/spec/selector");
                let extras: Vec<(usize, &str)> = docs
                    .iter()
                    .enumerate()
                    .filter(|(xi, x)| {
                        kind(x) == "Service"
                            && !used.contains_key(xi)
                            && x.value.pointer("/spec/selector") == own_selector
                            // A StatefulSet's governing Service is k8gen's own.
                            && !(kind(d) == "StatefulSet"
                                && name(x) == names::governing_service(&object_name))
                    })
                    .filter_map(|(xi, x)| {
                        Some((xi, names::extra_service_key(&object_name, name(x))?))
                    })
                    .collect();
                for (xi, extra) in extras {
                    used.insert(xi, key.clone());
                    w.line(
                        t,
                        format!(
                            "services.{} = {{ {} }}",
                            tkey(extra),
                            service_parts(&docs[xi].value, &named).join(", ")
                        ),
                    );
                }
            }
        }

        if let Some(hi) = hpa {
            used.insert(hi, key.clone());
            if name(&docs[hi]) != wname {
                pins.push(format!("autoscaler = {}", string(name(&docs[hi]))));
            }
            let h = &docs[hi].value;
            let mut parts = vec![format!(
                "min = {}",
                h.pointer("/spec/minReplicas").cloned().unwrap_or(1.into())
            )];
            if let Some(m) = h.pointer("/spec/maxReplicas") {
                parts.push(format!("max = {m}"));
            }
            for m in h
                .pointer("/spec/metrics")
                .and_then(Value::as_array)
                .unwrap_or(&empty)
            {
                let resource = s(m, "/resource/name");
                if let (Some(r @ ("cpu" | "memory")), Some(u)) =
                    (resource, m.pointer("/resource/target/averageUtilization"))
                {
                    parts.push(format!("{r} = {u}"));
                }
            }
            w.line(t, format!("autoscale = {{ {} }}", parts.join(", ")));
        }
        if let Some(bi) = docs.iter().position(|b| {
            kind(b) == "PodDisruptionBudget"
                && b.value
                    .pointer("/spec/selector/matchLabels")
                    .and_then(Value::as_object)
                    .is_some_and(|m| {
                        m.len() == selector.len()
                            && m.iter()
                                .all(|(k, v)| selector.get(k).map(String::as_str) == v.as_str())
                    })
        }) {
            used.insert(bi, key.clone());
            if name(&docs[bi]) != wname {
                pins.push(format!("budget = {}", string(name(&docs[bi]))));
            }
            let b = &docs[bi].value;
            // The fewest pods the workload runs: the autoscaler's minimum, else its count.
            let pods = hpa
                .and_then(|hi| docs[hi].value.pointer("/spec/minReplicas"))
                .or(hpa
                    .is_none()
                    .then(|| d.value.pointer("/spec/replicas"))
                    .flatten())
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let amount = |v: &Value| match v {
                Value::String(p) => p
                    .strip_suffix('%')
                    .and_then(|p| p.parse().ok())
                    .map(crate::model::IntOrPercent::Percent),
                v => v
                    .as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .map(crate::model::IntOrPercent::Int),
            };
            for (json, toml) in [
                ("minAvailable", "min_available"),
                ("maxUnavailable", "max_unavailable"),
            ] {
                if let Some(v) = b.pointer(&format!("/spec/{json}")) {
                    let budget = crate::model::Disruption {
                        min_available: amount(v).filter(|_| json == "minAvailable"),
                        max_unavailable: amount(v).filter(|_| json == "maxUnavailable"),
                        allow_blocking: false,
                    };
                    // The input's budget as it is, even one that blocks node drains.
                    let blocking =
                        if budget.blocks_every_eviction(i32::try_from(pods).unwrap_or(i32::MAX)) {
                            ", allow_blocking = true"
                        } else {
                            ""
                        };
                    w.line(
                        t,
                        format!("disruption = {{ {toml} = {}{blocking} }}", toml_value(v)),
                    );
                }
            }
        }
        if !pins.is_empty() {
            w.line(t, format!("names = {{ {} }}", pins.join(", ")));
        }
    }
    if !scheme_app.is_empty() {
        if scheme_app.len() == keys.len() {
            w.line(None, "label_scheme = \"app\"".to_string());
        } else {
            for (t, _) in &scheme_app {
                w.line(t.as_deref(), "label_scheme = \"app\"".to_string());
            }
        }
    }

    // One Ingress: its routes to the components' Services. The one named like the app's,
    // else the only one (its name kept by `name`).
    let ingresses = |named: bool| -> Vec<usize> {
        docs.iter()
            .enumerate()
            .filter(|(_, d)| kind(d) == "Ingress" && (!named || name(d) == names::ingress(app)))
            .map(|(i, _)| i)
            .collect()
    };
    let ingresses = match ingresses(true) {
        named if named.is_empty() => ingresses(false),
        named => named,
    };
    if let [ii] = ingresses.as_slice() {
        let ing = &docs[*ii].value;
        let mut routes = Vec::new();
        let mut ok = true;
        for rule in ing
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for p in rule
                .pointer("/http/paths")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let svc = s(p, "/backend/service/name").unwrap_or_default();
                let port = p
                    .pointer("/backend/service/port/name")
                    .or(p.pointer("/backend/service/port/number"))
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .unwrap_or_default();
                let Some((key, port_name)) = services.get(&format!("{svc}:{port}")) else {
                    ok = false;
                    continue;
                };
                let to = if port_name.is_empty() {
                    key.clone()
                } else {
                    format!("{key}:{port_name}")
                };
                let mut parts = Vec::new();
                if let Some(h) = s(rule, "/host") {
                    parts.push(format!("host = {}", string(h)));
                }
                if let Some(path) = s(p, "/path") {
                    parts.push(format!("path = {}", string(path)));
                }
                if let Some(pt) = s(p, "/pathType")
                    && pt != "Prefix"
                {
                    parts.push(format!("path_type = {}", string(pt)));
                }
                parts.push(format!("to = {}", string(&to)));
                routes.push(format!("  {{ {} }},", parts.join(", ")));
            }
        }
        if ok && !routes.is_empty() {
            used.insert(*ii, "ingress".to_string());
            if name(&docs[*ii]) != names::ingress(app) {
                w.line(
                    Some("ingress"),
                    format!("name = {}", string(name(&docs[*ii]))),
                );
            }
            if let Some(class) = s(ing, "/spec/ingressClassName") {
                w.line(Some("ingress"), format!("class = {}", string(class)));
            }
            if let Some(a) = ing
                .pointer("/metadata/annotations")
                .filter(|a| a.as_object().is_some_and(|a| !a.is_empty()))
            {
                w.line(Some("ingress"), format!("annotations = {}", toml_value(a)));
            }
            if let Some(tls) = ing
                .pointer("/spec/tls/0/secretName")
                .and_then(Value::as_str)
            {
                w.line(Some("ingress"), format!("tls = {}", string(tls)));
            }
            w.line(Some("ingress"), "routes = [".to_string());
            for r in routes {
                w.line(Some("ingress"), r);
            }
            w.line(Some("ingress"), "]".to_string());
        }
    }
    // Labels every imported object carries (other than k8gen's own and selector labels).
    let mut common: Option<Map<String, Value>> = None;
    for i in used.keys() {
        if kind(&docs[*i]) == "Namespace" && !strict || external.contains(i) {
            continue;
        }
        let labels = docs[*i]
            .value
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        common = Some(match common {
            None => labels
                .into_iter()
                .filter(|(k, v)| {
                    v.is_string()
                        && (strict
                            || !crate::values::is_reserved_label(k)
                                && k != "helm.sh/chart"
                                && !selector_keys.contains(k))
                })
                .collect(),
            Some(c) => c
                .into_iter()
                .filter(|(k, v)| labels.get(k) == Some(v))
                .collect(),
        });
    }
    let common = common.unwrap_or_default();
    if !common.is_empty() {
        w.line(
            None,
            format!("labels = {}", toml_value(&Value::Object(common.clone()))),
        );
    }
    // Without k8gen's labels, a component's objects carry its `labels` and nothing else: the
    // labels all of them (its pod template too) share beyond the app's.
    if strict {
        for (key, table, wi) in &tables {
            let template = docs[*wi]
                .value
                .pointer("/spec/template/metadata/labels")
                .cloned()
                .unwrap_or_default();
            let mut own: Option<Map<String, Value>> = None;
            let objects = used
                .iter()
                .filter(|(i, k)| *k == key && !external.contains(*i))
                .map(|(i, _)| docs[*i].value.pointer("/metadata/labels").cloned())
                .chain([Some(template)]);
            for labels in objects {
                let labels = labels
                    .and_then(|l| l.as_object().cloned())
                    .unwrap_or_default();
                own = Some(match own {
                    None => labels
                        .into_iter()
                        .filter(|(k, v)| v.is_string() && common.get(k) != Some(v))
                        .collect(),
                    Some(o) => o
                        .into_iter()
                        .filter(|(k, v)| labels.get(k) == Some(v))
                        .collect(),
                });
            }
            // The main component's table is the top level, whose `labels` are the app's.
            if table.is_none() {
                continue;
            }
            if let Some(own) = own.filter(|o| !o.is_empty()) {
                w.line(
                    table.as_deref(),
                    format!("labels = {}", toml_value(&Value::Object(own))),
                );
            }
        }
    }
    // k8gen renders no NetworkPolicy the input does not have (a takeover that suddenly blocks
    // traffic would be a silent change): the input's own ones are skipped, kept beside.
    match tables.as_slice() {
        [(_, None, _)] => w.line(None, "network = false".to_string()),
        [] => {}
        _ => w.line(Some("defaults"), "network = false".to_string()),
    }
    if keys.is_empty() {
        // No component: no spec (the namespace alone is no app).
        used.clear();
    }
    if !external.is_empty() {
        w.line(
            None,
            format!(
                "external_secrets = {{ store = {} }}",
                string(options.external_store.as_deref().unwrap_or(DEFAULT_STORE))
            ),
        );
    }
    Built {
        spec: w.text(),
        secrets,
        used,
        external,
    }
}
