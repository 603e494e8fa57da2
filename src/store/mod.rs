//! SQL, one module per aggregate. Plain functions over `&mut PgConnection` or the pool;
//! runtime-checked queries (`query_as`) covered by the integration tests. Reads of tenant
//! data take a scope from `tenancy::scope`.

pub mod audit;
pub mod billing;
pub mod billing_usage;
pub mod branding;
pub mod compliance;
pub mod consents;
pub mod customer_list;
pub mod customer_packages;
pub mod customer_records;
pub mod customers;
pub mod emails;
pub mod existing_orgs;
pub mod invitations;
pub mod locations;
pub mod login_attempts;
pub mod orgs;
pub mod package_limits;
pub mod people;
pub mod sessions;
pub mod setup_assist;
pub mod sso;
pub mod sub_partners;
pub mod subscribers;
pub mod templates;
pub mod tokens;
pub mod user_imports;
pub mod users;
pub mod workspaces;
