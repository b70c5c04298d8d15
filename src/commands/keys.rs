//! `certify keys …` and the loading of the workspace's two secrets: the Ed25519 signing
//! key and the person key behind the ID numbers' keyed digests.
//!
//! Guarantees:
//! - Secrets come from `rand`'s OS-seeded generator ([`crate::rng::secret_bytes`]) and are
//!   written readable by their owner only; an existing file is never replaced.
//! - The private key is written as PKCS#8 v1 PEM (no embedded public key), which
//!   `openssl pkey` and Python `cryptography` read; v2 files written before still load.
//! - A key file readable by group or others is refused with the `chmod 600` hint, as
//!   OpenSSH does; a key that is not where the workspace remembers it gets a hint to pass
//!   `--key` or `config set`; a signing key other than the registered one is refused.
//! - Neither secret is ever printed: outputs name the files, never their contents.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, KeypairBytes};
use serde_json::json;

use super::Context;
use crate::certificate::{self, PersonKey};
use crate::cli::KeysCommand;
use crate::db::{CertificateRead, Db, SettingsRead};
use crate::error::{Error, io_error};
use crate::rng;
use crate::spreadsheet::write_file_atomically;

/// The person key's file name beside the signing key.
const PERSON_KEY_FILE: &str = "person-key.txt";

pub fn run(context: &Context, command: &KeysCommand) -> Result<(), Error> {
    match command {
        KeysCommand::Generate { out } => generate(context, out),
        KeysCommand::PersonKey { out } => person_key(context, out.as_deref()),
    }
}

fn refuse_existing(path: &Path) -> Result<(), Error> {
    if path.exists() {
        return Err(Error::user(format!(
            "{} 已存在，不会覆盖（覆盖会让已签发的证书无法核验或无法比对）。如确需新密钥，请换一个位置：--out 新位置",
            path.display()
        )));
    }
    Ok(())
}

fn generate(context: &Context, dir: &Path) -> Result<(), Error> {
    let private = dir.join("signing-key.pem");
    let public = dir.join("signing-key.pub.pem");
    let person = dir.join(PERSON_KEY_FILE);
    for path in [&private, &public] {
        refuse_existing(path)?;
    }
    let key = SigningKey::from_bytes(&rng::secret_bytes());
    // PKCS#8 v1: the secret alone. v2 (with the public key) is what ed25519-dalek writes
    // by default, and OpenSSL 3.0 and Python `cryptography` refuse it.
    let private_pem = KeypairBytes { secret_key: key.to_bytes(), public_key: None }
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| Error::user(format!("无法生成私钥文件：{e}")))?;
    let public_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::user(format!("无法生成公钥文件：{e}")))?;
    let mut db = context.workspace()?;
    // A second key would make every certificate signed with the first one fail to verify
    // here, and no revocation list could cover them any more.
    let issued = db.certificates(None)?.len();
    if issued > 0 && db.setting("public-key")?.is_some() {
        return Err(Error::user(format!(
            "本工作区已用登记的签名密钥签发了 {issued} 张证书，不能再生成新密钥：换了密钥，这些证书在本工作区会核验失败，\
             撤销名单也无法再为它们签名。私钥文件搬动过时用 certify config set signing-key 新路径 指向它"
        )));
    }
    let make_person_key = db.setting("person-key")?.is_none() && !person.exists();
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "无法创建文件夹", &e))?;
    write_secret(&private, private_pem.as_bytes())?;
    write_file_atomically(&public, public_pem.as_bytes())?;
    if make_person_key {
        write_secret(&person, PersonKey::from_bytes(rng::secret_bytes()).to_text().as_bytes())?;
    }
    let public_text = certificate::public_key_text(&key.verifying_key());
    let tx = db.transaction()?;
    tx.set_setting("public-key", &public_text)?;
    tx.set_setting("signing-key", &absolute(&private)?)?;
    if make_person_key {
        tx.set_setting("person-key", &absolute(&person)?)?;
    }
    tx.commit()?;
    let out = context.out;
    out.json(&json!({
        "private_key": private.display().to_string(),
        "public_key_file": public.display().to_string(),
        "public_key": public_text,
        "person_key_file": make_person_key.then(|| person.display().to_string()),
    }))?;
    out.line(format!(
        "已生成签名密钥：私钥 {}（仅本账户可读，请备份并妥善保管），公钥 {}",
        private.display(),
        public.display()
    ))?;
    if make_person_key {
        out.line(format!(
            "已生成个人信息密钥 {}（证书中的身份证号只以它为密钥的摘要出现；请与私钥一同备份，切勿外传）",
            person.display()
        ))?;
    }
    out.line("公钥可以公开：任何人用它都能离线核验证书（certify verify --file 证书.json --public-key 公钥文件）。")
}

fn person_key(context: &Context, out_path: Option<&Path>) -> Result<(), Error> {
    let db = context.existing_workspace()?;
    let path = match out_path {
        Some(path) => path.to_path_buf(),
        None => match db.as_ref().map(|db| db.setting("signing-key")).transpose()?.flatten() {
            Some(signing) => Path::new(&signing).with_file_name(PERSON_KEY_FILE),
            None => PathBuf::from("keys").join(PERSON_KEY_FILE),
        },
    };
    refuse_existing(&path)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io_error(parent, "无法创建文件夹", &e))?;
    }
    write_secret(&path, PersonKey::from_bytes(rng::secret_bytes()).to_text().as_bytes())?;
    // A workspace without a person key starts using this one; one that has a key keeps
    // it, because changing it would make the same person look like two in a registry.
    let mut adopted = false;
    if let Some(mut db) = db
        && db.setting("person-key")?.is_none()
    {
        let tx = db.transaction()?;
        tx.set_setting("person-key", &absolute(&path)?)?;
        tx.commit()?;
        adopted = true;
    }
    let out = context.out;
    out.json(&json!({ "person_key_file": path.display().to_string(), "adopted": adopted }))?;
    out.line(format!("已生成个人信息密钥 {}（仅本账户可读，切勿外传）", path.display()))?;
    if adopted {
        out.line("本工作区今后签发的证书使用这把密钥。")
    } else {
        out.line(format!(
            "本工作区未改用它；区域登记平台可把它分发给各站点，各站点用 certify config set person-key {} 启用。",
            path.display()
        ))
    }
}

/// Writes a secret readable by its owner only, refusing to replace a file.
fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| io_error(path, "无法写入密钥", &e))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

fn absolute(path: &Path) -> Result<String, Error> {
    Ok(std::fs::canonicalize(path)?.display().to_string())
}

/// Reads a secret file, refusing one that others can read.
fn read_secret(path: &Path, what: &str, setting: &str, remembered: bool) -> Result<String, Error> {
    // Only Unix has the group/other bits that the check below reads.
    #[cfg_attr(not(unix), allow(unused_variables))]
    let metadata = std::fs::metadata(path).map_err(|e| {
        if remembered && e.kind() == std::io::ErrorKind::NotFound {
            Error::user(format!(
                "找不到{what} {}（工作区记录的位置）。如果密钥文件夹搬动过，请用 --key 指定{what}，或运行 certify config set {setting} 新路径",
                path.display()
            ))
        } else {
            io_error(path, &format!("无法读取{what}"), &e)
        }
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::user(format!(
                "{what} {} 的权限是 {mode:o}，同组或其他用户也能读取，不安全，不予使用。请运行：chmod 600 {}",
                path.display(),
                path.display()
            )));
        }
    }
    std::fs::read_to_string(path).map_err(|e| io_error(path, &format!("无法读取{what}"), &e))
}

/// Loads an Ed25519 private key from a PEM file (PKCS#8 v1 or v2).
pub fn signing_key_from_file(path: &Path, remembered: bool) -> Result<SigningKey, Error> {
    let pem = read_secret(path, "签名私钥", "signing-key", remembered)?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|_| {
        Error::user(format!("{}: 不是 Ed25519 私钥（应为 keys generate 生成的 PKCS#8 PEM 文件）", path.display()))
    })
}

/// Loads a person key file.
pub fn person_key_from_file(path: &Path, remembered: bool) -> Result<PersonKey, Error> {
    let text = read_secret(path, "个人信息密钥", "person-key", remembered)?;
    PersonKey::parse(&text).map_err(|why| Error::user(format!("{}: {why}", path.display())))
}

/// The signing key to use (`--key`, or the one the workspace remembers) and its public
/// half as base64url; refuses a key other than the workspace's registered public key.
pub fn signing_key(db: &Db, key_path: Option<&Path>) -> Result<(SigningKey, String), Error> {
    let (path, remembered) = match key_path {
        Some(path) => (path.to_path_buf(), false),
        None => (
            db.setting("signing-key")?
                .map(PathBuf::from)
                .ok_or_else(|| Error::user("还没有签名密钥：先运行 certify keys generate，或用 --key 指定私钥文件"))?,
            true,
        ),
    };
    let key = signing_key_from_file(&path, remembered)?;
    let public_text = certificate::public_key_text(&key.verifying_key());
    check_registered(db, &path, &public_text)?;
    Ok((key, public_text))
}

fn check_registered(db: &Db, path: &Path, public_text: &str) -> Result<(), Error> {
    if let Some(registered) = db.setting("public-key")?
        && registered != public_text
    {
        return Err(Error::user(format!(
            "{} 与工作区登记的公钥不一致：用它签发的证书将无法按登记的公钥核验。请使用 keys generate 生成的私钥",
            path.display()
        )));
    }
    Ok(())
}

/// The workspace's person key.
pub fn person_key_of(db: &Db) -> Result<PersonKey, Error> {
    let path = db.setting("person-key")?.ok_or_else(|| {
        Error::user(
            "还没有个人信息密钥（证书中的身份证号只以它为密钥的摘要出现）：运行 certify keys person-key 生成，\
             或向区域登记平台报送的站点用 certify config set person-key 平台分发的密钥文件",
        )
    })?;
    person_key_from_file(Path::new(&path), true)
}

/// Checks a key-file setting before it is stored: the file must hold the right kind of
/// key, readable by its owner only (and for the signing key, the registered one).
/// Returns the absolute path to store.
pub fn check_key_setting(db: &Db, key: &str, value: &str) -> Result<String, Error> {
    let path = Path::new(value);
    match key {
        "signing-key" => {
            let signing = signing_key_from_file(path, false)?;
            check_registered(db, path, &certificate::public_key_text(&signing.verifying_key()))?;
        }
        "person-key" => {
            person_key_from_file(path, false)?;
        }
        _ => unreachable!("only key-file settings are checked here"),
    }
    absolute(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_load_from_pkcs8_v1_and_the_v2_files_written_before() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[5u8; 32]);
        let v1 = KeypairBytes { secret_key: key.to_bytes(), public_key: None }.to_pkcs8_pem(LineEnding::LF).unwrap();
        let v2 = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        assert_ne!(v1.as_str(), v2.as_str());
        for (name, pem) in [("v1.pem", v1.as_str()), ("v2.pem", v2.as_str())] {
            let path = dir.path().join(name);
            write_secret(&path, pem.as_bytes()).unwrap();
            assert_eq!(signing_key_from_file(&path, false).unwrap().to_bytes(), key.to_bytes(), "{name}");
        }
    }
}
