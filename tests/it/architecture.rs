//! The layers' one direction, checked on the source (docs/architecture.md): the two doors
//! never import each other, SQL is written only in `store/` (and `db/`, and the queue's
//! own tables in `jobs/`), `error.rs` knows nothing of pages, `auth/` and `http/` import
//! neither door, services and jobs import no door, store/ and tenancy/ import nothing
//! above them, and `domain/` does no I/O. A forbidden import fails this test with the
//! file and line.

use std::path::{Path, PathBuf};

/// One rule: files under `scope` (a path prefix below `src/`) must not contain any of
/// `forbidden` in their code (comments are not code).
struct Rule {
    scope: &'static str,
    except: &'static [&'static str],
    forbidden: &'static [&'static str],
    why: &'static str,
}

const SQL: &[&str] = &[
    "sqlx::query",
    "sqlx::raw_sql",
    "query_as::<",
    "query_scalar::<",
];

/// What the store and everything below it may not import.
const ABOVE_STORE: &[&str] = &[
    "crate::services",
    "crate::web",
    "crate::api",
    "crate::http",
    "crate::auth",
    "crate::jobs",
    "crate::state",
    "crate::AppState",
];

const RULES: &[Rule] = &[
    Rule {
        scope: "web/",
        except: &[],
        forbidden: &["crate::api"],
        why: "the page door does not import the API door; what both need lives in http/",
    },
    Rule {
        scope: "api/",
        except: &[],
        forbidden: &["crate::web"],
        why: "the API door does not import the page door; what both need lives in http/",
    },
    Rule {
        scope: "http/",
        except: &[],
        forbidden: &["crate::web", "crate::api"],
        why: "http/ serves both doors and imports neither (errors are rendered through Renderers)",
    },
    Rule {
        scope: "auth/",
        except: &[],
        forbidden: &["crate::web", "crate::api"],
        why: "auth/ sits below the doors",
    },
    Rule {
        scope: "services/",
        except: &[],
        forbidden: &[
            "crate::web",
            "crate::api",
            "crate::http",
            "crate::auth::extractors",
            "crate::auth::PartnerScope",
            "crate::auth::CustomerScope",
            "crate::auth::{",
        ],
        why: "services are called by the doors and take scopes from tenancy/ (of auth/ only the password hashing, the SSO protocol checks and the sealing of secrets)",
    },
    Rule {
        scope: "jobs/",
        except: &[],
        forbidden: &["crate::web", "crate::api", "crate::http"],
        why: "jobs run without a request",
    },
    Rule {
        scope: "store/",
        except: &[],
        forbidden: ABOVE_STORE,
        why: "store/ is called by services and reads with tenancy's proof types; it calls nothing above it",
    },
    Rule {
        scope: "tenancy/",
        except: &[],
        forbidden: ABOVE_STORE,
        why: "tenancy/ sits below store/",
    },
    Rule {
        scope: "tenancy/",
        except: &[],
        forbidden: &["crate::store"],
        why: "tenancy/ (who asks, the policy, the proof types) is what store/ takes, so it imports no store",
    },
    Rule {
        scope: "error.rs",
        except: &[],
        forbidden: &["crate::web", "crate::api"],
        why: "each door renders AppError itself",
    },
    Rule {
        scope: "",
        except: &["store/", "db/", "jobs/", "seed.rs"],
        forbidden: SQL,
        why: "SQL is written in store/ (db/ and the queue in jobs/ have their own); \
              seed.rs, the demo-data loader of `hub seed-demo` and the tests, writes its fixture rows itself",
    },
    Rule {
        scope: "domain/",
        except: &[],
        forbidden: &[
            "sqlx",
            "tokio",
            "reqwest",
            "lettre",
            "std::fs",
            "std::net",
            "std::process",
            "crate::store",
            "crate::db",
            "crate::services",
            "crate::jobs",
            "crate::web",
            "crate::api",
            "crate::http",
            "crate::auth",
            "crate::tenancy",
            "crate::state",
            "crate::AppState",
        ],
        why: "domain/ holds pure rules: no I/O, nothing above it",
    },
];

/// The code of a line: what stands before a `//` comment (a `//` inside a string such as
/// a URL is rare in these files and would only hide code from the check).
fn code_of(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return "";
    }
    match line.find(" //") {
        Some(i) if !line[..i].contains('"') => &line[..i],
        _ => line,
    }
}

/// Every broken rule in one file, as `path:line: text — why`. `rel` is the path below
/// `src/`. A `#[cfg(test)]` module at the end of a file is code too: tests keep the rules.
fn violations(rel: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for rule in RULES {
        let in_scope =
            rel.starts_with(rule.scope) && !rule.except.iter().any(|e| rel.starts_with(e));
        if !in_scope {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            let code = code_of(line);
            if let Some(bad) = rule.forbidden.iter().find(|f| code.contains(**f)) {
                found.push(format!(
                    "src/{rel}:{}: {} ({bad}) — {}",
                    n + 1,
                    line.trim(),
                    rule.why
                ));
            }
        }
    }
    found
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_dependency_points_the_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(
        files.len() > 50,
        "the source tree was found: {}",
        files.len()
    );
    let mut found = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        found.extend(violations(&rel, &std::fs::read_to_string(file).unwrap()));
    }
    assert!(found.is_empty(), "forbidden imports:\n{}", found.join("\n"));
}

#[test]
fn each_rule_catches_what_it_forbids() {
    let cases = [
        ("web/partner/x.rs", "use crate::api::error::ApiError;"),
        ("api/x.rs", "    crate::web::views::ErrorPage::new("),
        ("http/middleware.rs", "use crate::web::views::ErrorPage;"),
        ("auth/x.rs", "use crate::api::ApiError;"),
        ("error.rs", "use crate::web::views::ErrorPage;"),
        ("services/x.rs", r#"    sqlx::query("SELECT 1")"#),
        (
            "web/operator/mod.rs",
            r#"let n: i64 = sqlx::query_scalar("SELECT 1")"#,
        ),
        ("domain/x.rs", "use tokio::fs;"),
        ("domain/x.rs", "use crate::store::orgs;"),
        ("services/x.rs", "use crate::auth::PartnerScope;"),
        ("services/x.rs", "use crate::http::ReqInfo;"),
        ("jobs/x.rs", "use crate::web::views;"),
        ("store/x.rs", "use crate::services::audit;"),
        ("tenancy/scope.rs", "use crate::store::orgs::OrgSummary;"),
    ];
    for (rel, line) in cases {
        assert_eq!(violations(rel, line).len(), 1, "{rel}: {line}");
    }
    // Allowed: comments, the layers that may, and the same words elsewhere.
    for (rel, line) in [
        ("web/x.rs", "// unlike crate::api, pages redirect"),
        ("store/orgs.rs", r#"sqlx::query("SELECT 1")"#),
        ("jobs/queue.rs", r#"sqlx::query("SELECT 1")"#),
        ("api/x.rs", "use crate::http::ReqInfo;"),
        ("services/x.rs", "use crate::store::orgs; // no SQL here"),
        ("services/sign_in.rs", "use crate::auth::password;"),
        ("services/sso_sign_in.rs", "use crate::auth::saml;"),
        ("services/x.rs", "use crate::tenancy::scope::PartnerScope;"),
        ("store/orgs.rs", "use crate::tenancy::scope::PartnerOrgId;"),
    ] {
        assert!(violations(rel, line).is_empty(), "{rel}: {line}");
    }
}
