//! Job and CronJob, and the marks of a pre-deploy Job (a migration): Argo CD's `PreSync`
//! hook annotations, which also tell [`super::Object::is_pre_deploy`] (output trees put such
//! Jobs in a folder of their own for Flux).

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::pod;
use crate::model::{App, Component, JobHook, JobSettings, Workload};

/// Argo CD's hook annotation and the phase of a pre-deploy Job.
pub const ARGOCD_HOOK: &str = "argocd.argoproj.io/hook";
pub const ARGOCD_PRE_SYNC: &str = "PreSync";
/// Argo CD deletes the previous run's Job before it creates the hook again.
pub const ARGOCD_HOOK_DELETE_POLICY: &str = "argocd.argoproj.io/hook-delete-policy";
pub const ARGOCD_BEFORE_HOOK_CREATION: &str = "BeforeHookCreation";

fn job_spec(app: &App, c: &Component, job: &JobSettings) -> JobSpec {
    JobSpec {
        backoff_limit: job.backoff_limit,
        active_deadline_seconds: job.active_deadline_seconds,
        ttl_seconds_after_finished: job.ttl_seconds_after_finished,
        completions: job.completions,
        parallelism: job.parallelism,
        template: pod::template(app, c),
        ..Default::default()
    }
}

pub fn job(app: &App, c: &Component) -> Job {
    let Workload::Job(settings) = &c.workload else {
        unreachable!("job() is called for Jobs only")
    };
    let mut metadata = super::workload_meta(app, c, c.name.clone());
    if settings.hook == Some(JobHook::PreDeploy) {
        let annotations = metadata.annotations.get_or_insert_with(Default::default);
        annotations.insert(ARGOCD_HOOK.to_string(), ARGOCD_PRE_SYNC.to_string());
        annotations.insert(
            ARGOCD_HOOK_DELETE_POLICY.to_string(),
            ARGOCD_BEFORE_HOOK_CREATION.to_string(),
        );
    }
    Job {
        metadata,
        spec: Some(job_spec(app, c, settings)),
        ..Default::default()
    }
}

pub fn cron_job(app: &App, c: &Component) -> CronJob {
    let Workload::CronJob {
        schedule,
        job,
        cron,
    } = &c.workload
    else {
        unreachable!("cron_job() is called for CronJobs only")
    };
    CronJob {
        metadata: super::workload_meta(app, c, c.name.clone()),
        spec: Some(CronJobSpec {
            schedule: schedule.clone(),
            time_zone: cron.time_zone.clone(),
            concurrency_policy: cron.concurrency_policy.map(|p| p.as_str().to_string()),
            successful_jobs_history_limit: cron.successful_jobs_history_limit,
            failed_jobs_history_limit: cron.failed_jobs_history_limit,
            starting_deadline_seconds: cron.starting_deadline_seconds,
            suspend: cron.suspend,
            job_template: JobTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(super::labels::workload_labels(app, c)),
                    ..Default::default()
                }),
                spec: Some(job_spec(app, c, job)),
            },
        }),
        ..Default::default()
    }
}
