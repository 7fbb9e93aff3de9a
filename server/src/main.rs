//! `keyward`: serve the console and APIs, or run an operator command.

mod migrate_data;

use clap::Parser;
use keyward::clock::SystemClock;
use keyward::config::Config;
use keyward::domain::Role;
use keyward::domain::signing_key::SigningKeyState;
use keyward::domain::time::format_utc;
use keyward::service::{Caller, Keyward, UserAccessInput};
use keyward::store::Store;
use keyward_server::cli::{
    AdminCommand, AdminCreateArgs, Cli, Command, KeysCommand, KeysCreateArgs, LogFormat, ServeArgs, SigningKeysCommand,
};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = match &cli.command {
        Some(Command::Serve(a)) => a.log_format,
        None => cli.serve.log_format,
        _ => LogFormat::Text,
    };
    init_logging(format);
    let result = match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Admin(AdminCommand::Create(args))) => admin_create(args).await,
        Some(Command::Keys(KeysCommand::Create(args))) => keys_create(args).await,
        Some(Command::Keys(KeysCommand::Revoke { id, data })) => keys_revoke(data.config(), &id).await,
        Some(Command::SigningKeys(SigningKeysCommand::Rotate { algorithm, json, data })) => {
            rotate_signing_key(data.config(), algorithm, json).await
        }
        Some(Command::SigningKeys(SigningKeysCommand::List { json, data })) => {
            list_signing_keys(data.config(), json).await
        }
        Some(Command::Migrate(data)) => migrate(data.config()).await,
        Some(Command::Backup { file, data }) => backup(data.config(), file).await,
        Some(Command::MigrateData { from, to }) => migrate_data::run(&from, &to).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYWARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let signals = keyward_server::server::TerminationSignals::install();
    let server = keyward_server::start(args.config(), args.addr, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let stop = server.shutdown_handle();
    tokio::spawn(async move {
        signals.recv().await;
        stop.cancel();
    });
    server.wait().await;
    Ok(())
}

async fn admin_create(args: AdminCreateArgs) -> Result<(), String> {
    if !args.password_stdin {
        return Err("pass --password-stdin and pipe the password in, so it never appears in your shell history".into());
    }
    let role: Role = args
        .role
        .parse()
        .map_err(|e: keyward::domain::ValidationError| e.message)?;
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = password.trim_end_matches(['\n', '\r']);
    let kw = Keyward::open(args.data.config(), Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let user = kw
        .users()
        .create(
            &Caller::System("cli"),
            &args.email,
            password,
            role,
            UserAccessInput::All,
        )
        .await
        .map_err(|e| e.to_string())?;
    kw.store().close().await;
    println!("Created {} ({}).", user.email, user.role.label());
    Ok(())
}

async fn rotate_signing_key(
    config: Config,
    algorithm: Option<keyward::crypto::jwt::JwtAlgorithm>,
    json: bool,
) -> Result<(), String> {
    let kw = Keyward::open(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let algorithm = match algorithm {
        Some(a) => a,
        None => kw
            .oauth()
            .signing_keys(&Caller::System("cli"))
            .map_err(|e| e.to_string())?
            .iter()
            .find(|k| k.state == SigningKeyState::Current)
            .and_then(|k| k.algorithm.parse().ok())
            .unwrap_or(keyward::crypto::jwt::JwtAlgorithm::ES256),
    };
    let key = kw
        .oauth()
        .rotate_signing_key(&Caller::System("cli"), algorithm)
        .await
        .map_err(|e| e.to_string())?;
    let keys = kw
        .oauth()
        .signing_keys(&Caller::System("cli"))
        .map_err(|e| e.to_string())?;
    kw.store().close().await;
    if json {
        println!("{}", serde_json::json!({ "current": key, "keys": keys }));
    } else {
        println!("New signing key {} ({}). It signs from now on.", key.kid, key.algorithm);
        for k in keys.iter().filter(|k| k.kid != key.kid) {
            match k.publish_until {
                Some(t) => println!(
                    "Retired {}: stays in the JWKS until {}.",
                    k.kid,
                    keyward::domain::time::format_utc(t)
                ),
                None => println!(
                    "Retired {}: stays in the JWKS while never-expiring JWT keys it signed exist.",
                    k.kid
                ),
            }
        }
    }
    Ok(())
}

async fn list_signing_keys(config: Config, json: bool) -> Result<(), String> {
    let kw = Keyward::open(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let keys = kw
        .oauth()
        .signing_keys(&Caller::System("cli"))
        .map_err(|e| e.to_string())?;
    kw.store().close().await;
    if json {
        println!("{}", serde_json::to_string(&keys).map_err(|e| e.to_string())?);
    } else {
        println!(
            "{:<24} {:<6} {:<22} {:<22} STATUS",
            "KID", "ALG", "CREATED", "SIGNS FROM"
        );
        for k in &keys {
            let status = match (k.state, k.retired_at, k.publish_until) {
                (SigningKeyState::Current, ..) => "current: signing".to_owned(),
                (SigningKeyState::Next, ..) => "next: published ahead, signs from its activation".to_owned(),
                (SigningKeyState::Retiring, None, _) => "retiring: the next key took over just now".to_owned(),
                (SigningKeyState::Retiring, Some(_), Some(t)) => {
                    format!("retiring, published until {}", format_utc(t))
                }
                (SigningKeyState::Retiring, Some(_), None) => "retiring, published while its JWT keys live".to_owned(),
            };
            println!(
                "{:<24} {:<6} {:<22} {:<22} {status}",
                k.kid,
                k.algorithm,
                format_utc(k.created_at),
                format_utc(k.activates_at)
            );
        }
    }
    Ok(())
}

async fn keys_revoke(config: Config, id: &str) -> Result<(), String> {
    let kw = Keyward::open(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let revoked = kw.credentials().revoke(&Caller::System("cli"), id, None).await;
    kw.store().close().await;
    let revoked = revoked.map_err(|e| e.to_string())?;
    println!("Revoked {} ({}).", revoked.name, revoked.id);
    Ok(())
}

async fn keys_create(args: KeysCreateArgs) -> Result<(), String> {
    let roles = args
        .roles
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| serde_json::from_value(serde_json::Value::String(r.clone())).map_err(|e| format!("--roles: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let input = keyward::domain::CredentialInput {
        account: Some(args.account),
        name: args.name,
        kind: Some(
            args.kind
                .parse()
                .map_err(|e: keyward::domain::ValidationError| e.to_string())?,
        ),
        environment: Some(
            args.environment
                .parse()
                .map_err(|e: keyward::domain::ValidationError| e.to_string())?,
        ),
        scopes: args.scopes.into_iter().filter(|s| !s.is_empty()).collect(),
        roles,
        allowed_cidrs: args.allowed_cidrs,
        expires: args.expires,
        rate_limit: args.rate_limit,
        ..Default::default()
    };
    let kw = Keyward::open(args.data.config(), Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let created = kw
        .credentials()
        .create(&Caller::System("cli"), input)
        .await
        .map_err(|e| e.to_string())?;
    kw.store().close().await;
    if args.json {
        let mut out = serde_json::to_value(&created.credential).map_err(|e| e.to_string())?;
        out["secret"] = serde_json::Value::String(created.secret);
        println!("{out}");
    } else {
        let c = &created.credential;
        println!("Created {} ({}) in {}.", c.name, c.id, c.account);
        if let Some(id) = &c.client_id {
            println!("Client id:  {id}");
        }
        println!("Secret:     {}", created.secret);
        println!("Store the secret now: Keyward keeps only a keyed hash and cannot show it again.");
    }
    Ok(())
}

async fn migrate(config: Config) -> Result<(), String> {
    let kw = Keyward::open(config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    kw.store().close().await;
    println!("The database is up to date.");
    Ok(())
}

async fn backup(config: Config, file: std::path::PathBuf) -> Result<(), String> {
    let db = config.database();
    if let keyward::store::Database::SqliteFile(path) = &db
        && !path.exists()
    {
        return Err(format!("no database at {}", path.display()));
    }
    if file.exists() {
        return Err(format!("{} already exists; choose a new file", file.display()));
    }
    // On PostgreSQL the store answers with what to use instead (pg_dump).
    let store = Store::connect(&db).await.map_err(|e| e.to_string())?;
    store.backup(&file).await.map_err(|e| e.to_string())?;
    store.close().await;
    println!(
        "Wrote a consistent copy of the database to {}. Keep {} safe as well: without it, stored credential digests cannot be checked.",
        file.display(),
        config.master_key_path().display()
    );
    Ok(())
}
