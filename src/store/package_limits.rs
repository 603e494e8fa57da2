//! The most of each package a partner lets one customer hold (`partner_package_limits`).

use std::collections::BTreeMap;

use sqlx::PgConnection;

use crate::tenancy::scope::PartnerOrgId;

/// The partner's maximum per package id; a package missing has the default maximum.
pub async fn partner_max(
    conn: &mut PgConnection,
    partner: PartnerOrgId,
) -> sqlx::Result<BTreeMap<String, i64>> {
    let rows: Vec<(String, i32)> = sqlx::query_as(
        "SELECT package, max_quantity FROM partner_package_limits WHERE partner_org_id = $1",
    )
    .bind(partner.id())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(p, m)| (p, m as i64)).collect())
}
