//! Plain users added together: the new people of a CSV import whose package needs no
//! number (most rows of a large file), checked by the rules of `subscribers::add_in`
//! for the whole batch at once and written in a few set-based statements, where one at a
//! time costs a dozen round trips a row. A row that any rule could refuse, or that
//! another row of the batch could affect (the same email twice, the last seats of a
//! capped package, the customer's first user who becomes its full admin), is left to the
//! one-at-a-time path, which applies or refuses it as usual.

use std::collections::{HashMap, HashSet};

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::packages::Package;
use crate::error::AppResult;
use crate::services::subscribers::{self, Asker, Checked, NewUser};
use crate::store;
use crate::store::emails::NewEmail;
use crate::store::subscribers::CustomerFacts;

/// One row offered to `add_plain`.
pub struct PlainRow<'a> {
    pub line: i32,
    pub user: NewUser,
    pub display_name: Option<&'a str>,
    pub basic: &'a [String],
    pub preferred_site: Option<&'a str>,
    pub jabber_calling: bool,
    pub jabber_teams: bool,
}

/// A row `add_plain` added: its line and package.
pub struct Added {
    pub line: i32,
    pub package: Package,
}

/// Adds the rows it can take together and answers them; the caller applies the others
/// one at a time. `seats_wanted` counts, per package, every row of the caller's batch
/// that may take one of its seats (adds and changes), so that this path takes a capped
/// package's seats only when the whole batch fits and file order cannot matter.
pub async fn add_plain(
    conn: &mut PgConnection,
    org: Uuid,
    facts: &CustomerFacts,
    rows: &[PlainRow<'_>],
    seats_wanted: &HashMap<&str, usize>,
    asker: &Asker<'_>,
    now: OffsetDateTime,
) -> AppResult<Vec<Added>> {
    // The first user of a new org becomes its full admin: one at a time.
    if !facts.attached && !facts.has_full_admin {
        return Ok(vec![]);
    }
    let mut fit: Vec<(&PlainRow, &str, Package)> = vec![];
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let Checked {
            errors,
            email,
            package,
        } = subscribers::check_fields(&row.user);
        if let (true, Some(email), Some(package)) = (errors.is_empty(), email, package)
            && !package.is_calling()
        {
            *seen.entry(email.to_lowercase()).or_default() += 1;
            fit.push((row, email, package));
        }
    }
    let emails: Vec<&str> = fit.iter().map(|(_, e, _)| *e).collect();
    let taken: HashSet<String> = store::people::emails_taken(&mut *conn, &emails, None)
        .await?
        .into_iter()
        .collect();
    fit.retain(|(_, e, _)| {
        let e = e.to_lowercase();
        seen.get(&e) == Some(&1) && !taken.contains(&e)
    });
    let packages: HashSet<Package> = fit.iter().map(|(_, _, p)| *p).collect();
    let mut room = HashSet::new();
    for package in packages {
        let wanted = seats_wanted.get(package.id()).copied().unwrap_or(0) as i64;
        match store::customer_packages::lock_for_assignment(conn, org, package.id()).await? {
            Some((Some(quantity), assigned)) if assigned + wanted > i64::from(quantity) => {}
            Some(_) => {
                room.insert(package);
            }
            None => {}
        }
    }
    fit.retain(|(_, _, p)| room.contains(p));
    if fit.is_empty() {
        return Ok(vec![]);
    }

    let ids: Vec<(Uuid, Uuid)> = fit
        .iter()
        .map(|_| (Uuid::new_v4(), Uuid::new_v4()))
        .collect();
    let mut sp = sqlx::Connection::begin(&mut *conn).await?;
    let written = write(&mut sp, org, facts, &fit, &ids, asker, now).await;
    match written {
        Ok(()) => sp.commit().await?,
        // Another request took one of the emails since they were read: the rows go one
        // at a time, where that is refused like any taken email.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            sp.rollback().await?;
            return Ok(vec![]);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(fit
        .iter()
        .map(|(row, _, package)| Added {
            line: row.line,
            package: *package,
        })
        .collect())
}

/// The people, their users and licences, welcome emails and audit entries of `fit`.
async fn write(
    conn: &mut PgConnection,
    org: Uuid,
    facts: &CustomerFacts,
    fit: &[(&PlainRow<'_>, &str, Package)],
    ids: &[(Uuid, Uuid)],
    asker: &Asker<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let first = |row: &PlainRow| row.user.first_name.clone().unwrap_or_default();
    let last = |row: &PlainRow| row.user.last_name.clone().unwrap_or_default();
    let names: Vec<(String, String)> = fit.iter().map(|(r, _, _)| (first(r), last(r))).collect();
    let people: Vec<store::people::NewPlainPerson> = fit
        .iter()
        .zip(ids)
        .zip(&names)
        .map(
            |(((row, email, _), (person, _)), (first, last))| store::people::NewPlainPerson {
                id: *person,
                email,
                first_name: first,
                last_name: last,
                display_name: row.display_name,
            },
        )
        .collect();
    store::people::insert_many(&mut *conn, org, &people).await?;
    let users: Vec<store::subscribers::NewPlainSubscriber> = fit
        .iter()
        .zip(ids)
        .map(
            |((row, _, package), (person, id))| store::subscribers::NewPlainSubscriber {
                id: *id,
                person_id: *person,
                package: package.id(),
                basic_services: row.basic,
                preferred_site: row.preferred_site,
                jabber_calling: row.jabber_calling,
                jabber_teams: row.jabber_teams,
            },
        )
        .collect();
    store::subscribers::insert_provisioned_many(conn, org, &users, now).await?;
    // New people hold no role: every one of them is an end user, who is welcomed.
    let welcomes: Vec<(String, String)> = names
        .iter()
        .map(|(first, _)| subscribers::welcome(facts, first))
        .collect();
    let emails: Vec<NewEmail> = fit
        .iter()
        .zip(&welcomes)
        .map(|((_, email, _), (subject, body))| NewEmail {
            org_id: Some(org),
            to: email,
            subject,
            body,
            kind: "welcome",
            secret: None,
        })
        .collect();
    crate::services::emails::send_many(conn, &emails, now).await?;
    let entries: Vec<store::audit::Entry> = fit
        .iter()
        .zip(ids)
        .map(|((_, email, package), (_, id))| {
            asker.entry(
                org,
                subscribers::CREATED,
                subscribers::created_detail(*id, email, *package, false),
            )
        })
        .collect();
    store::audit::append_many(&mut *conn, &entries, now).await
}
