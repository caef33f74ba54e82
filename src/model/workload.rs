//! What runs: the workload kind, extra containers and volumes.

use std::collections::BTreeMap;

use super::{
    AccessMode, ConcurrencyPolicy, EnvVar, JobHook, JobName, PodManagement, Resources,
    RestartPolicy, WorkloadKind,
};

/// The kind of object that runs the component's pods.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Workload {
    #[default]
    Deployment,
    StatefulSet {
        pod_management: Option<PodManagement>,
    },
    Job(JobSettings),
    CronJob {
        schedule: String,
        job: JobSettings,
        cron: CronSettings,
    },
    Pod,
    /// No pods: the component is a Service of type ExternalName pointing outside the cluster.
    External,
}

impl Workload {
    /// The workload kind; `None` for [`Workload::External`], which runs no pods.
    pub fn workload_kind(&self) -> Option<WorkloadKind> {
        Some(match self {
            Workload::Deployment => WorkloadKind::Deployment,
            Workload::StatefulSet { .. } => WorkloadKind::StatefulSet,
            Workload::Job(_) => WorkloadKind::Job,
            Workload::CronJob { .. } => WorkloadKind::CronJob,
            Workload::Pod => WorkloadKind::Pod,
            Workload::External => return None,
        })
    }

    /// The Job settings of a Job or CronJob.
    pub fn job(&self) -> Option<&JobSettings> {
        match self {
            Workload::Job(job) | Workload::CronJob { job, .. } => Some(job),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Workload::Deployment => "Deployment",
            Workload::StatefulSet { .. } => "StatefulSet",
            Workload::Job(_) => "Job",
            Workload::CronJob { .. } => "CronJob",
            Workload::Pod => "Pod",
            Workload::External => "Service",
        }
    }

    /// Whether it runs a set of replicas (Deployment, StatefulSet): only those have replicas,
    /// rollouts, a default Service, autoscalers and disruption budgets.
    pub fn is_replicated(&self) -> bool {
        matches!(self, Workload::Deployment | Workload::StatefulSet { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobSettings {
    pub backoff_limit: Option<i32>,
    pub active_deadline_seconds: Option<i64>,
    /// Default ([`super::defaults::restart_policy`]): `Never`.
    pub restart_policy: Option<RestartPolicy>,
    pub ttl_seconds_after_finished: Option<i32>,
    pub completions: Option<i32>,
    pub parallelism: Option<i32>,
    /// When the Job runs (a Job only, not a CronJob's): [`JobHook::PreDeploy`] before the
    /// rollout of the app's other objects.
    pub hook: Option<JobHook>,
    /// How the Job is named (a Job only). Default ([`super::defaults::job_name`]): hashed for
    /// a hook, else fixed.
    pub name: Option<JobName>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CronSettings {
    pub concurrency_policy: Option<ConcurrencyPolicy>,
    pub successful_jobs_history_limit: Option<i32>,
    pub failed_jobs_history_limit: Option<i32>,
    pub starting_deadline_seconds: Option<i64>,
    pub suspend: Option<bool>,
    pub time_zone: Option<String>,
}

/// A pod volume and where the main container mounts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub name: String,
    pub source: VolumeSource,
    pub mount: Option<String>,
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSource {
    EmptyDir {
        memory: bool,
    },
    /// An existing PersistentVolumeClaim.
    Claim(String),
    /// A claim k8gen creates: a PersistentVolumeClaim object for a Deployment, a
    /// volumeClaimTemplate for a StatefulSet.
    NewClaim {
        size: String,
        class: Option<String>,
        /// Default ([`super::defaults::access_modes`]): `[ReadWriteOnce]`.
        access_modes: Option<Vec<AccessMode>>,
    },
}

/// An init container or sidecar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Container {
    pub name: String,
    pub image: String,
    /// The command; for a `wait_for` init container k8gen writes it (leave it empty).
    pub command: Vec<String>,
    /// Init containers only: wait until the Service of the component with this KEY accepts
    /// connections on its first port.
    pub wait_for: Option<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    pub env_from_config: bool,
    pub env_from_secrets: bool,
    /// Volume name → mount path.
    pub mounts: BTreeMap<String, String>,
    pub resources: Resources,
    /// The container's own security context; `None`: the component's. Its pod-wide fields
    /// (`seccomp`, `writable_tmp`, `service_account_token`) are the component's.
    pub security: Option<super::Security>,
    /// Sidecars only: container ports, unique in the pod with the main container's. A Service
    /// port or `metrics` may name them.
    pub ports: Vec<super::Port>,
}
