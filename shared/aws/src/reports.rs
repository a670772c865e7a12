//! Reports in `{prefix}-safety`. Each report is a row `pk = report#{id}`, `sk = report`; while it
//! is open it also holds `queue = "open"`, which puts it in the sparse GSI `open-reports`
//! (`queue`, `report`): the moderation queue, oldest (lowest id) first. Beside it, a claim row
//! `pk = reported#{kind}#{target}`, `sk` the reporter's id, exists while the report is open: its
//! conditional put makes one open report per reporter and target, and a Query of its `pk` counts
//! the distinct users with an open report of the target.

use super::attributes::{Row, n, number, optional_number, s, text};
use super::errors::{Built, corrupt, unavailable};
use super::query::query_all;
use super::transact::{put_new, transact};
use super::update::ConditionalUpdate;
use crate::Tables;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use foof_domain::ids::{ReportId, UserId};
use foof_domain::ports::{BackendError, BackendResult, IdAllocator, ReportStore, Written};
use foof_domain::safety::{Action, Filed, Note, Reason, Report, Resolution, Target, TargetKind};
use std::sync::Arc;

const REPORT: &str = "report";
const QUEUE: &str = "queue";
const OPEN: &str = "open";
const QUEUE_INDEX: &str = "open-reports";
/// Attempts to file a report whose earlier open one was closed between the two steps.
const ATTEMPTS: usize = 3;

pub struct DynamoReports {
    client: aws_sdk_dynamodb::Client,
    table: String,
    ids: Arc<dyn IdAllocator>,
}

fn report_key(id: ReportId) -> Row {
    Row::from([
        ("pk".to_owned(), s(format!("report#{id}"))),
        ("sk".to_owned(), s(REPORT)),
    ])
}

fn claims_of(target: Target) -> String {
    format!("reported#{}#{}", target.kind.as_str(), target.id)
}

fn claim_key(target: Target, reporter: UserId) -> Row {
    Row::from([
        ("pk".to_owned(), s(claims_of(target))),
        ("sk".to_owned(), s(reporter.to_string())),
    ])
}

fn report_row(report: &Report) -> Row {
    let mut row = report_key(report.id);
    row.extend([
        (REPORT.to_owned(), n(report.id.get())),
        (QUEUE.to_owned(), s(OPEN)),
        ("kind".to_owned(), s(report.target.kind.as_str())),
        ("target".to_owned(), n(report.target.id)),
        ("subject".to_owned(), n(report.subject.get())),
        ("reporter".to_owned(), n(report.reporter.get())),
        ("reason".to_owned(), s(report.reason.as_str())),
        ("note".to_owned(), s(report.note.as_str())),
        ("content".to_owned(), s(&report.content)),
        ("createdAt".to_owned(), n(report.created_at_ms)),
    ]);
    row
}

fn report_from_row(row: &Row) -> BackendResult<Report> {
    let kind = text(row, "kind")?;
    let reason = text(row, "reason")?;
    Ok(Report {
        id: ReportId::new(number(row, REPORT)?),
        target: Target {
            kind: TargetKind::parse(&kind).ok_or_else(|| corrupt(format!("report kind {kind}")))?,
            id: number(row, "target")?,
        },
        subject: UserId::new(number(row, "subject")?),
        reporter: UserId::new(number(row, "reporter")?),
        reason: Reason::parse(&reason).ok_or_else(|| corrupt(format!("report reason {reason}")))?,
        note: Note::parse(&text(row, "note")?).map_err(|e| corrupt(e.to_string()))?,
        content: text(row, "content")?,
        created_at_ms: number(row, "createdAt")?,
    })
}

/// The resolution kept on a closed report; `None` while it is open.
fn resolution_from_row(row: &Row) -> BackendResult<Option<Resolution>> {
    if row.contains_key(QUEUE) {
        return Ok(None);
    }
    let action = text(row, "action")?;
    // `days` is kept on every closed report (0 but for a suspension) and read only for one.
    let days = if action == "suspend" {
        optional_number(row, "days")?
    } else {
        None
    };
    let action = Action::parse(&action, days).ok_or_else(|| corrupt(format!("report action {action}")))?;
    Ok(Some(Resolution {
        action,
        moderator: UserId::new(number(row, "moderator")?),
        at_ms: number(row, "resolvedAt")?,
        why: Note::parse(&text(row, "why")?).map_err(|e| corrupt(e.to_string()))?,
    }))
}

impl DynamoReports {
    pub fn new(client: aws_sdk_dynamodb::Client, tables: &Tables, ids: Arc<dyn IdAllocator>) -> Self {
        Self {
            client,
            table: tables.name("safety"),
            ids,
        }
    }

    async fn get_row(&self, key: Row) -> BackendResult<Option<Row>> {
        let reply = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(reply.item)
    }
}

#[async_trait]
impl ReportStore for DynamoReports {
    async fn file(&self, report: &Report) -> BackendResult<Filed> {
        let claim_key = claim_key(report.target, report.reporter);
        for _ in 0..ATTEMPTS {
            if let Some(claim) = self.get_row(claim_key.clone()).await? {
                return Ok(Filed::Repeat(ReportId::new(number(&claim, REPORT)?)));
            }
            let id = ReportId::new(self.ids.next_id("reports").await?);
            let mut claim = claim_key.clone();
            claim.insert(REPORT.to_owned(), n(id.get()));
            let writes = vec![
                put_new(&self.table, claim, "pk")?,
                put_new(&self.table, report_row(&Report { id, ..report.clone() }), "pk")?,
            ];
            match transact(&self.client, writes).await? {
                None => return Ok(Filed::New(id)),
                // A racing repeat claimed it first: the loop reads its claim.
                Some(0) => continue,
                Some(_) => return Err(corrupt(format!("report id {id} was issued twice"))),
            }
        }
        Err(BackendError::Unavailable(
            "the report kept being filed and closed meanwhile".into(),
        ))
    }

    async fn open_reporters(&self, target: Target) -> BackendResult<usize> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(claims_of(target)))
            .projection_expression("sk")
            .consistent_read(true);
        Ok(query_all(query).await?.len())
    }

    async fn open(&self, after: Option<ReportId>, limit: usize) -> BackendResult<Vec<Report>> {
        let reply = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(QUEUE_INDEX)
            .key_condition_expression("#queue = :open AND #report > :after")
            .expression_attribute_names("#queue", QUEUE)
            .expression_attribute_names("#report", REPORT)
            .expression_attribute_values(":open", s(OPEN))
            .expression_attribute_values(":after", n(after.map_or(0, ReportId::get)))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(unavailable)?;
        reply.items().iter().map(report_from_row).collect()
    }

    async fn get(&self, id: ReportId) -> BackendResult<Option<(Report, Option<Resolution>)>> {
        let Some(row) = self.get_row(report_key(id)).await? else {
            return Ok(None);
        };
        Ok(Some((report_from_row(&row)?, resolution_from_row(&row)?)))
    }

    async fn close(&self, report: &Report, resolution: &Resolution) -> BackendResult<Written> {
        let days = match resolution.action {
            Action::Suspend { days } => days,
            Action::Dismiss | Action::Hide => 0,
        };
        let update = ConditionalUpdate::new(
            &self.table,
            "pk",
            s(format!("report#{}", report.id)),
            "SET #action = :action, days = :days, moderator = :moderator, resolvedAt = :at, why = :why REMOVE #queue",
        )
        .key("sk", s(REPORT))
        .when("attribute_exists(#queue)")
        .name("#action", "action")
        .name("#queue", QUEUE)
        .value(":action", s(resolution.action.as_str()))
        .value(":moderator", n(resolution.moderator.get()))
        .value(":at", n(resolution.at_ms))
        .value(":why", s(resolution.why.as_str()))
        .value(":days", n(days));
        let release_claim = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(claim_key(report.target, report.reporter)))
            .build()
            .built()?;
        let writes = vec![
            update.into_step()?,
            TransactWriteItem::builder().delete(release_claim).build(),
        ];
        Ok(match transact(&self.client, writes).await? {
            None => Written::Done,
            Some(_) => Written::Refused,
        })
    }
}
