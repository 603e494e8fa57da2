//! The `hub` binary: serve the portal, apply migrations, seed demo data, manage admins.

use clap::{Parser, Subcommand};
use wholesale_hub::domain::roles::Role;
use wholesale_hub::{Clock, Config, db, seed, store};

#[derive(Parser)]
#[command(
    name = "hub",
    about = "Wholesale Hub: Partner Hub, Control Hub and the wholesale REST API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, then serve the portal, the API and the background worker.
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Load the demo partner, sub-partner, customers and admins (empty database only).
    SeedDemo,
    /// Create an admin with one role on an org; the password comes from HUB_ADMIN_PASSWORD.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        org: uuid::Uuid,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
    },
    /// Create an API token for an existing admin; prints only the token (shown once).
    CreateToken {
        /// The email of the admin the token acts as (with their roles).
        #[arg(long)]
        admin: String,
        /// What the token is for, as listed on the API tokens page.
        #[arg(long)]
        name: String,
    },
    /// The restricted-party list of the compliance check.
    Rpl {
        #[command(subcommand)]
        command: RplCommand,
    },
}

#[derive(Subcommand)]
enum RplCommand {
    /// Add the parties of a CSV file (columns `name` and optional `country`).
    Import { file: std::path::PathBuf },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        format!(
            "unknown role {s:?}; one of: {}",
            Role::ALL.map(Role::as_str).join(", ")
        )
    })
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    if std::env::var("HUB_LOG_FORMAT").as_deref() == Ok("json") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .json()
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
}

/// mimalloc instead of glibc's malloc (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command {
        Command::Serve => {
            let pool = db::connect(&config.database_url).await?;
            db::migrate(&pool).await?;
            wholesale_hub::check_secrets_key(&config, &pool).await?;
            let listener = tokio::net::TcpListener::bind(config.bind).await?;
            tracing::info!(
                "serving on http://{} (public URL {})",
                config.bind,
                config.public_url
            );
            let app = wholesale_hub::build(config, pool, Clock::default())?;
            let stop = tokio_util::sync::CancellationToken::new();
            let on_signal = stop.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                on_signal.cancel();
            });
            wholesale_hub::serve(app, listener, stop).await?;
        }
        Command::Migrate => {
            let pool = db::connect(&config.database_url).await?;
            db::migrate(&pool).await?;
            println!("migrations applied");
        }
        Command::SeedDemo => {
            let pool = db::connect(&config.database_url).await?;
            db::migrate(&pool).await?;
            if !seed::is_empty(&pool).await? {
                let existing = seed::demo_accounts_present(&pool).await?;
                if existing.is_empty() {
                    println!("The database already holds data; demo data was not loaded.");
                } else {
                    match std::env::var("DEMO_PASSWORD") {
                        Ok(p) if !p.is_empty() => println!(
                            "Demo data is loaded. Demo accounts sign in with the password: {p}"
                        ),
                        _ => println!(
                            "Demo data is loaded. Demo accounts keep the password they were given."
                        ),
                    }
                    for (email, role) in existing {
                        println!("  {email:<45} {role}");
                    }
                    let unmanaged = seed::existing_orgs_present(&pool).await?;
                    if !unmanaged.is_empty() {
                        println!(
                            "Existing orgs nobody manages yet (attach with POST /v1/wholesale/customers and orgId):"
                        );
                        for (id, name) in unmanaged {
                            println!("  {id}  {name}");
                        }
                    }
                }
                return Ok(());
            }
            let password = match std::env::var("DEMO_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => wholesale_hub::auth::csrf::new_token()[..16].to_string(),
            };
            let seeded = seed::seed_demo(&pool, &password, Clock::default().now()).await?;
            println!("Demo data loaded. Every demo account signs in with the password: {password}");
            for a in &seeded.accounts {
                println!("  {:<45} {}", a.email, a.role);
            }
            println!(
                "Existing orgs nobody manages yet (attach with POST /v1/wholesale/customers and orgId):"
            );
            for o in &seeded.existing_orgs {
                println!("  {}  {:<18} {}", o.id, o.name, o.note);
            }
        }
        Command::CreateAdmin {
            email,
            org,
            role,
            first_name,
            last_name,
        } => {
            let pool = db::connect(&config.database_url).await?;
            let password = std::env::var("HUB_ADMIN_PASSWORD").map_err(|_| {
                anyhow::anyhow!("set HUB_ADMIN_PASSWORD to the new admin's password")
            })?;
            let hash = wholesale_hub::auth::password::hash(&password)?;
            let mut tx = pool.begin().await?;
            let id = store::people::insert(
                &mut *tx,
                &store::people::NewPerson {
                    org_id: org,
                    email: &email,
                    first_name: &first_name,
                    last_name: &last_name,
                    password_hash: Some(&hash),
                },
            )
            .await?;
            store::people::grant(&mut *tx, id, org, role).await?;
            tx.commit().await?;
            println!("{id}");
        }
        Command::Rpl {
            command: RplCommand::Import { file },
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let pool = db::connect(&config.database_url).await?;
            let mut tx = pool.begin().await?;
            let source = file
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            let n =
                wholesale_hub::services::compliance::import_csv(&mut tx, &text, &source).await?;
            tx.commit().await?;
            println!("{n} restricted parties loaded from {}", file.display());
        }
        Command::CreateToken { admin, name } => {
            let pool = db::connect(&config.database_url).await?;
            let now = Clock::default().now();
            match wholesale_hub::services::api_tokens::create_from_cli(&pool, &admin, &name, now)
                .await
            {
                Ok(secret) => println!("{secret}"),
                Err(wholesale_hub::error::AppError::Validation(errors)) => {
                    let said: Vec<String> = errors.into_iter().map(|e| e.message).collect();
                    anyhow::bail!("{}", said.join(" "));
                }
                Err(e) => return Err(anyhow::anyhow!("{e}")),
            }
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
