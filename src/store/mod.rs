//! SQL, one module per aggregate. Plain functions over `&mut PgConnection` or the pool;
//! runtime-checked queries (`query_as`) covered by the integration tests. Reads of tenant
//! data take a scope from `tenancy::scope`.

pub mod audit;
pub mod customers;
pub mod emails;
pub mod login_attempts;
pub mod orgs;
pub mod people;
pub mod sub_partners;
pub mod templates;
pub mod tokens;
