//! Job and CronJob.

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::pod;
use crate::model::{App, Component, JobSettings, Workload};

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
    Job {
        metadata: super::workload_meta(app, c, c.name.clone()),
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
