//! Reading existing manifests for `import`: multi-document YAML text into JSON values, one per
//! object (a `kind: List` gives its items), with the fields the API server fills in removed
//! (`status`, `uid`, `resourceVersion`, managed fields, cluster IPs, ...) and the values it
//! would default left out (`protocol: TCP`, `dnsPolicy: ClusterFirst`, probe timings, ...), so
//! what remains is what someone wrote. Applied to both sides of the round-trip comparison.
//! Reads text it is given; never a file.

use serde_json::{Map, Value};

/// One object read from a source: the file's name, its document number (1-based, counting
/// non-empty documents) and the object, cleaned.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: String,
    pub index: usize,
    /// The item number (1-based) in a `kind: List` document.
    pub item: Option<usize>,
    pub value: Value,
}

/// A document that could not be read.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub file: String,
    pub index: usize,
    pub message: String,
}

/// The objects of one YAML stream, and the documents that are not objects. `dropped` counts
/// the server-filled and defaulted fields removed.
pub fn documents(file: &str, text: &str, dropped: &mut usize) -> (Vec<Doc>, Vec<Unreadable>) {
    let mut docs = Vec::new();
    let mut bad = Vec::new();
    for (i, piece) in split(text).into_iter().enumerate() {
        let index = i + 1;
        let value: Value = match serde_saphyr::from_str(&piece) {
            Ok(v) => v,
            Err(e) => {
                bad.push(Unreadable {
                    file: file.to_string(),
                    index,
                    message: first_line(&e.to_string()),
                });
                continue;
            }
        };
        let (items, list) = match value {
            Value::Object(mut o) if o.get("kind").and_then(Value::as_str) == Some("List") => {
                match o.remove("items") {
                    Some(Value::Array(items)) => (items, true),
                    _ => (Vec::new(), true),
                }
            }
            Value::Null => continue,
            other => (vec![other], false),
        };
        for (n, mut item) in items.into_iter().enumerate() {
            let item_number = list.then_some(n + 1);
            let is_object = item.get("kind").and_then(Value::as_str).is_some()
                && item.get("apiVersion").and_then(Value::as_str).is_some()
                && item
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .is_some();
            if !is_object {
                bad.push(Unreadable {
                    file: file.to_string(),
                    index,
                    message: "not a Kubernetes object (no apiVersion, kind and metadata.name)"
                        .to_string(),
                });
                continue;
            }
            *dropped += clean(&mut item);
            docs.push(Doc {
                file: file.to_string(),
                index,
                item: item_number,
                value: item,
            });
        }
    }
    (docs, bad)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

/// The non-empty documents of a stream (split at `---` lines; comments-only pieces dropped).
fn split(text: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    for line in text.lines() {
        if line == "---" || line.starts_with("--- ") || line.starts_with("---\t") {
            pieces.push(line[3..].trim_start().to_string() + "\n");
        } else if line == "..." {
            pieces.push(String::new());
        } else {
            let last = pieces.last_mut().expect("one piece at least");
            last.push_str(line);
            last.push('\n');
        }
    }
    pieces
        .into_iter()
        .filter(|p| {
            p.lines().any(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            })
        })
        .collect()
}

/// Replaces each Service `targetPort` name by the number of the container port of that name
/// in the pods it selects (the same port, written the way the other side may write it).
pub fn resolve_target_ports(objects: &mut [Value]) {
    type NamedPorts = Vec<(String, Value)>;
    let mut pods: Vec<(Map<String, Value>, NamedPorts)> = Vec::new();
    for o in objects.iter() {
        let Some(labels) = o
            .pointer("/spec/template/metadata/labels")
            .and_then(Value::as_object)
        else {
            continue;
        };
        let ports = o
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|c| {
                c.get("ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(|p| {
                Some((
                    p.get("name")?.as_str()?.to_string(),
                    p.get("containerPort")?.clone(),
                ))
            })
            .collect();
        pods.push((labels.clone(), ports));
    }
    for o in objects.iter_mut() {
        if o.get("kind").and_then(Value::as_str) != Some("Service") {
            continue;
        }
        let Some(selector) = o
            .pointer("/spec/selector")
            .and_then(Value::as_object)
            .cloned()
        else {
            continue;
        };
        let Some((_, ports)) = pods.iter().find(|(labels, _)| {
            !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
        }) else {
            continue;
        };
        if let Some(Value::Array(sp)) = o.pointer_mut("/spec/ports") {
            for p in sp.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(Value::String(name)) = p.get("targetPort")
                    && let Some((_, number)) = ports.iter().find(|(n, _)| n == name)
                {
                    p.insert("targetPort".into(), number.clone());
                }
                if p.get("targetPort").is_some() && p.get("targetPort") == p.get("port") {
                    p.remove("targetPort");
                }
            }
        }
    }
}

/// Removes what the API server writes or defaults; returns how many fields went.
pub fn clean(object: &mut Value) -> usize {
    let mut n = 0;
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(o) = object.as_object_mut() else {
        return 0;
    };
    n += remove(o, &["status"]);
    if let Some(Value::Object(meta)) = o.get_mut("metadata") {
        n += metadata(meta);
    }
    if kind == "Secret" {
        secret_string_data(o);
    }
    if matches!(kind.as_str(), "Secret" | "ConfigMap") {
        n += n_defaults(o, &[("immutable", false.into())]);
        if kind == "Secret" {
            n += n_defaults(o, &[("type", "Opaque".into())]);
        }
    }
    if let Some(Value::Object(spec)) = o.get_mut("spec") {
        n += match kind.as_str() {
            "Service" => service(spec),
            "Deployment" => {
                n_defaults(
                    spec,
                    &[
                        ("progressDeadlineSeconds", 600.into()),
                        ("revisionHistoryLimit", 10.into()),
                        ("minReadySeconds", 0.into()),
                    ],
                ) + strategy(spec)
                    + template(spec)
            }
            "StatefulSet" => {
                n_defaults(
                    spec,
                    &[
                        ("revisionHistoryLimit", 10.into()),
                        ("podManagementPolicy", "OrderedReady".into()),
                    ],
                ) + template(spec)
            }
            "DaemonSet" | "Job" | "ReplicaSet" => template(spec),
            "CronJob" => {
                let mut m = n_defaults(
                    spec,
                    &[
                        ("concurrencyPolicy", "Allow".into()),
                        ("suspend", false.into()),
                        ("successfulJobsHistoryLimit", 3.into()),
                        ("failedJobsHistoryLimit", 1.into()),
                    ],
                );
                if let Some(Value::Object(job)) = spec.get_mut("jobTemplate")
                    && let Some(Value::Object(js)) = job.get_mut("spec")
                {
                    m += template(js);
                }
                m
            }
            "Pod" => pod_spec(spec),
            _ => 0,
        };
    }
    prune_empty(o);
    n
}

fn remove(o: &mut Map<String, Value>, keys: &[&str]) -> usize {
    keys.iter().filter(|k| o.remove(**k).is_some()).count()
}

/// Removes each key whose value equals its default.
fn n_defaults(o: &mut Map<String, Value>, defaults: &[(&str, Value)]) -> usize {
    let mut n = 0;
    for (k, d) in defaults {
        if o.get(*k) == Some(d) {
            o.remove(*k);
            n += 1;
        }
    }
    n
}

fn metadata(meta: &mut Map<String, Value>) -> usize {
    let mut n = remove(
        meta,
        &[
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "generation",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "ownerReferences",
        ],
    );
    if let Some(Value::Object(a)) = meta.get_mut("annotations") {
        n += remove(
            a,
            &[
                "kubectl.kubernetes.io/last-applied-configuration",
                "deployment.kubernetes.io/revision",
                "meta.helm.sh/release-name",
                "meta.helm.sh/release-namespace",
            ],
        );
    }
    n
}

/// `stringData` is how a Secret is written, `data` how it is stored: compare stored values.
fn secret_string_data(o: &mut Map<String, Value>) {
    use base64::Engine as _;
    let Some(Value::Object(sd)) = o.remove("stringData") else {
        return;
    };
    let data = o.entry("data").or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(data) = data {
        for (k, v) in sd {
            let text = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            data.insert(
                k,
                base64::engine::general_purpose::STANDARD
                    .encode(text)
                    .into(),
            );
        }
    }
}

fn service(spec: &mut Map<String, Value>) -> usize {
    let mut n = 0;
    if spec.get("clusterIP").and_then(Value::as_str) != Some("None") {
        n += remove(spec, &["clusterIP"]);
    }
    n += remove(spec, &["clusterIPs", "ipFamilies"]);
    n += n_defaults(
        spec,
        &[
            ("type", "ClusterIP".into()),
            ("sessionAffinity", "None".into()),
            ("ipFamilyPolicy", "SingleStack".into()),
            ("internalTrafficPolicy", "Cluster".into()),
            ("externalTrafficPolicy", "Cluster".into()),
            ("allocateLoadBalancerNodePorts", true.into()),
            ("externalIPs", Value::Array(Vec::new())),
            ("publishNotReadyAddresses", false.into()),
        ],
    );
    if let Some(Value::Array(ports)) = spec.get_mut("ports") {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            n += n_defaults(p, &[("protocol", "TCP".into())]);
            if p.get("targetPort").is_some() && p.get("targetPort") == p.get("port") {
                p.remove("targetPort");
                n += 1;
            }
        }
    }
    n
}

fn strategy(spec: &mut Map<String, Value>) -> usize {
    let mut n = 0;
    if let Some(Value::Object(s)) = spec.get_mut("strategy") {
        if let Some(Value::Object(ru)) = s.get_mut("rollingUpdate") {
            n += n_defaults(
                ru,
                &[("maxSurge", "25%".into()), ("maxUnavailable", "25%".into())],
            );
            if ru.is_empty() {
                s.remove("rollingUpdate");
            }
        }
        n += n_defaults(s, &[("type", "RollingUpdate".into())]);
        if s.is_empty() {
            spec.remove("strategy");
        }
    }
    n
}

fn template(spec: &mut Map<String, Value>) -> usize {
    let mut n = 0;
    if let Some(Value::Object(t)) = spec.get_mut("template") {
        if let Some(Value::Object(meta)) = t.get_mut("metadata") {
            n += remove(meta, &["creationTimestamp"]);
        }
        if let Some(Value::Object(ps)) = t.get_mut("spec") {
            n += pod_spec(ps);
        }
    }
    n
}

fn pod_spec(ps: &mut Map<String, Value>) -> usize {
    let mut n = n_defaults(
        ps,
        &[
            ("dnsPolicy", "ClusterFirst".into()),
            ("restartPolicy", "Always".into()),
            ("schedulerName", "default-scheduler".into()),
            ("terminationGracePeriodSeconds", 30.into()),
            ("hostNetwork", false.into()),
            ("hostPID", false.into()),
            ("hostIPC", false.into()),
            ("shareProcessNamespace", false.into()),
            ("setHostnameAsFQDN", false.into()),
        ],
    );
    if let Some(Value::Object(sc)) = ps.get_mut("securityContext") {
        n += n_defaults(sc, &[("fsGroupChangePolicy", "Always".into())]);
    }
    for list in ["containers", "initContainers"] {
        if let Some(Value::Array(cs)) = ps.get_mut(list) {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                n += container(c);
            }
        }
    }
    if let Some(Value::Array(vs)) = ps.get_mut("volumes") {
        for v in vs.iter_mut().filter_map(Value::as_object_mut) {
            for source in ["configMap", "secret"] {
                if let Some(Value::Object(s)) = v.get_mut(source) {
                    n += n_defaults(s, &[("defaultMode", 420.into())]);
                }
            }
        }
    }
    n
}

/// The pull policy the API server gives a container that names none.
fn server_pull_policy(image: &str) -> &'static str {
    let last = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') {
        "IfNotPresent"
    } else if !last.contains(':') || last.ends_with(":latest") {
        "Always"
    } else {
        "IfNotPresent"
    }
}

fn container(c: &mut Map<String, Value>) -> usize {
    let mut n = n_defaults(
        c,
        &[
            ("terminationMessagePath", "/dev/termination-log".into()),
            ("terminationMessagePolicy", "File".into()),
            ("stdin", false.into()),
            ("tty", false.into()),
        ],
    );
    if let Some(Value::Object(sc)) = c.get_mut("securityContext") {
        // Not `readOnlyRootFilesystem: false`: the server fills in nothing there, and an
        // explicit `false` is a relaxation the spec must keep (`read_only_root_filesystem`).
        n += n_defaults(sc, &[("privileged", false.into())]);
    }
    let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
    let pull = server_pull_policy(image);
    n += n_defaults(c, &[("imagePullPolicy", pull.into())]);
    let ports: Vec<(String, Value)> = match c.get("ports") {
        Some(Value::Array(ps)) => ps
            .iter()
            .filter_map(|p| {
                Some((
                    p.get("name")?.as_str()?.to_string(),
                    p.get("containerPort")?.clone(),
                ))
            })
            .collect(),
        _ => Vec::new(),
    };
    if let Some(Value::Array(ps)) = c.get_mut("ports") {
        for p in ps.iter_mut().filter_map(Value::as_object_mut) {
            n += n_defaults(p, &[("protocol", "TCP".into())]);
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        let Some(Value::Object(p)) = c.get_mut(probe) else {
            continue;
        };
        n += n_defaults(
            p,
            &[
                ("timeoutSeconds", 1.into()),
                ("periodSeconds", 10.into()),
                ("successThreshold", 1.into()),
                ("failureThreshold", 3.into()),
            ],
        );
        for action in ["httpGet", "tcpSocket", "grpc"] {
            if let Some(Value::Object(a)) = p.get_mut(action) {
                n += n_defaults(a, &[("scheme", "HTTP".into())]);
                // A named port means the container port of that name: compare numbers.
                if let Some(Value::String(name)) = a.get("port")
                    && let Some((_, number)) = ports.iter().find(|(p, _)| p == name)
                {
                    a.insert("port".into(), number.clone());
                }
            }
        }
    }
    if let Some(Value::Array(env)) = c.get_mut("env") {
        for e in env.iter_mut() {
            if let Some(Value::Object(f)) = e.pointer_mut("/valueFrom/fieldRef") {
                n += n_defaults(f, &[("apiVersion", "v1".into())]);
            }
        }
    }
    n
}

/// Removes nulls and the empty maps that mean the same as no field (`annotations: {}`,
/// `securityContext: {}`, `resources: {}`; not `emptyDir: {}`, which means something).
fn prune_empty(o: &mut Map<String, Value>) {
    for v in o.values_mut() {
        match v {
            Value::Object(m) => prune_empty(m),
            Value::Array(items) => {
                for i in items.iter_mut() {
                    if let Value::Object(m) = i {
                        prune_empty(m);
                    }
                }
            }
            _ => {}
        }
    }
    o.retain(|k, v| {
        let empty = v.as_object().is_some_and(Map::is_empty)
            && matches!(
                k.as_str(),
                "annotations" | "labels" | "securityContext" | "resources" | "strategy"
            );
        !(v.is_null() || empty)
    });
}
