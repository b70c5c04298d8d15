//! Certificate records: their numbers, the canonical text that is signed, and checking a
//! signature, so that anyone can verify a certificate offline with any Ed25519 library.
//!
//! Guarantees:
//! - [`Record::payload`] is exactly CLI.md's "Certificate record": UTF-8, one
//!   `key=value` per line in a fixed order, `\n` line ends, no trailing newline, scores
//!   with two decimals, `id_sha256` the hex SHA-256 of the upper-cased ID number (the
//!   number itself is never in the payload).
//! - Signatures are Ed25519 over those bytes, written base64url without padding; public
//!   keys are the raw 32 bytes, base64url without padding.
//! - [`number`] fills the workspace's layout; the default is the 22-character 人社 layout
//!   `[Y|S]` + 4-digit evaluator code + 2-digit province + 6-digit site + 2-digit year +
//!   level digit + 6-digit serial.
//!
//! No I/O here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::vocabulary::{Level, Scheme};

/// The default number layout (人社 职业技能等级证书).
pub const DEFAULT_FORMAT: &str = "{type}{org}{province}{site}{yy}{level}{serial6}";

/// What a certificate says, before signing.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub number: String,
    pub name: String,
    pub id_number: String,
    pub level: Level,
    pub theory: f64,
    pub practical: f64,
    /// YYYY-MM-DD
    pub issued: String,
    pub issuer: String,
}

/// The occupation or certificate named on a certificate of `level`.
pub fn occupation(level: Level) -> &'static str {
    match level.scheme() {
        Scheme::Baoyushi => "保育师",
        Scheme::YouerZhaohu => "幼儿照护",
    }
}

/// Hex SHA-256 of the upper-cased ID number.
pub fn id_digest(id_number: &str) -> String {
    Sha256::digest(id_number.trim().to_uppercase().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Record {
    /// The canonical text that is signed.
    pub fn payload(&self) -> String {
        // Values are single-line by construction; a line break inside one would let a
        // forger add fields, so they are replaced.
        let clean = |s: &str| s.replace(['\n', '\r'], " ");
        [
            "format=certify-cert-v1".to_owned(),
            format!("number={}", clean(&self.number)),
            format!("name={}", clean(&self.name)),
            format!("id_sha256={}", id_digest(&self.id_number)),
            format!("occupation={}", occupation(self.level)),
            format!("level={}", self.level.label()),
            format!("theory={:.2}", self.theory),
            format!("practical={:.2}", self.practical),
            format!("issued={}", clean(&self.issued)),
            format!("issuer={}", clean(&self.issuer)),
        ]
        .join("\n")
    }
}

/// The value of `key` in a payload.
pub fn payload_field<'a>(payload: &'a str, key: &str) -> Option<&'a str> {
    payload.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
}

/// The level digit of the 人社 layout: 五级 5 … 一级 1; the 1+X levels use the digits of
/// their 保育师 counterparts (初级 5, 中级 4, 高级 3).
pub fn level_digit(level: Level) -> u8 {
    match level {
        Level::Grade5 | Level::XJunior => 5,
        Level::Grade4 | Level::XMiddle => 4,
        Level::Grade3 | Level::XSenior => 3,
        Level::Grade2 => 2,
        Level::Grade1 => 1,
    }
}

/// The parts a number is made of.
pub struct NumberParts<'a> {
    pub evaluator_type: &'a str,
    pub org: &'a str,
    pub province: &'a str,
    pub site: &'a str,
    /// Four-digit year of issue.
    pub year: i16,
    pub level: Level,
    pub serial: u32,
}

/// Fills a number layout. Placeholders: `{type}` `{org}` `{province}` `{site}` `{yyyy}`
/// `{yy}` `{level}` `{serial}` and `{serialN}` (zero-padded to N digits).
pub fn number(format: &str, parts: &NumberParts<'_>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').ok_or("证书编号格式中的 { 没有配对的 }")? + start;
        let name = &rest[start + 1..end];
        let value = match name {
            "type" => parts.evaluator_type.to_owned(),
            "org" => parts.org.to_owned(),
            "province" => parts.province.to_owned(),
            "site" => parts.site.to_owned(),
            "yyyy" => format!("{:04}", parts.year),
            "yy" => format!("{:02}", parts.year.rem_euclid(100)),
            "level" => level_digit(parts.level).to_string(),
            "serial" => parts.serial.to_string(),
            _ if name.starts_with("serial") => {
                let width: usize = name["serial".len()..].parse().map_err(|_| format!("不认识的占位符 {{{name}}}"))?;
                let text = format!("{:0width$}", parts.serial);
                if text.len() > width {
                    return Err(format!("流水号 {} 超过了 {width} 位", parts.serial));
                }
                text
            }
            _ => return Err(format!("不认识的占位符 {{{name}}}")),
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Checks a layout: it must contain a serial placeholder, or numbers would repeat.
pub fn check_format(format: &str) -> Result<(), String> {
    if !format.contains("{serial") {
        return Err("证书编号格式必须包含流水号占位符，如 {serial6}".into());
    }
    let sample = NumberParts {
        evaluator_type: "S",
        org: "0001",
        province: "11",
        site: "000001",
        year: 2026,
        level: Level::Grade4,
        serial: 1,
    };
    number(format, &sample).map(|_| ())
}

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim()).ok()
}

/// Signs a payload: base64url of the 64-byte signature.
pub fn sign(key: &SigningKey, payload: &str) -> String {
    encode(&key.sign(payload.as_bytes()).to_bytes())
}

/// The public key as base64url of its 32 bytes.
pub fn public_key_text(key: &VerifyingKey) -> String {
    encode(key.as_bytes())
}

/// Why a certificate is not authentic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgery {
    BadPublicKey,
    BadSignatureText,
    SignatureMismatch,
}

impl std::fmt::Display for Forgery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Forgery::BadPublicKey => "公钥格式不对",
            Forgery::BadSignatureText => "签名格式不对",
            Forgery::SignatureMismatch => "签名与内容不符：证书内容被改动过，或不是用这把密钥签发的",
        })
    }
}

/// Checks `signature` (base64url) over `payload` with `public_key` (base64url, 32 bytes).
pub fn verify(payload: &str, signature: &str, public_key: &str) -> Result<(), Forgery> {
    let key: [u8; 32] = decode(public_key).and_then(|b| b.try_into().ok()).ok_or(Forgery::BadPublicKey)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| Forgery::BadPublicKey)?;
    let signature: [u8; 64] = decode(signature).and_then(|b| b.try_into().ok()).ok_or(Forgery::BadSignatureText)?;
    key.verify_strict(payload.as_bytes(), &Signature::from_bytes(&signature)).map_err(|_| Forgery::SignatureMismatch)
}

/// What the QR code on a printed certificate holds: the number, the payload's SHA-256
/// and the signature, so a phone can read them and compare with a verification.
pub fn qr_content(number: &str, payload: &str, signature: &str) -> String {
    let digest: String = Sha256::digest(payload.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    format!("certify:v1;number={number};sha256={digest};sig={signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            number: "S000111000001264000001".into(),
            name: "张三".into(),
            id_number: "11010519491231002x".into(),
            level: Level::Grade4,
            theory: 85.0,
            practical: 77.5,
            issued: "2026-12-20".into(),
            issuer: "示例认定中心".into(),
        }
    }

    #[test]
    fn payload_is_the_documented_canonical_text() {
        let payload = record().payload();
        let expected = format!(
            "format=certify-cert-v1\nnumber=S000111000001264000001\nname=张三\nid_sha256={}\n\
             occupation=保育师\nlevel=四级\ntheory=85.00\npractical=77.50\nissued=2026-12-20\nissuer=示例认定中心",
            id_digest("11010519491231002X")
        );
        assert_eq!(payload, expected);
        assert!(!payload.ends_with('\n'));
        assert!(!payload.contains("11010519491231002"));
        assert_eq!(payload_field(&payload, "level"), Some("四级"));
    }

    #[test]
    fn the_default_number_has_the_22_character_layout() {
        let parts = NumberParts {
            evaluator_type: "S",
            org: "0001",
            province: "14",
            site: "000001",
            year: 2026,
            level: Level::Grade5,
            serial: 1,
        };
        let n = number(DEFAULT_FORMAT, &parts).unwrap();
        assert_eq!(n, "S000114000001265000001");
        assert_eq!(n.len(), 22);
        assert!(check_format("{org}-{yyyy}-{serial}").is_ok());
        assert!(check_format("{org}-{yyyy}").is_err());
        assert!(check_format("{org}{colour}{serial4}").is_err());
    }

    #[test]
    fn a_signature_verifies_and_any_changed_byte_does_not() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = public_key_text(&key.verifying_key());
        let payload = record().payload();
        let signature = sign(&key, &payload);
        assert_eq!(decode(&signature).unwrap().len(), 64);
        assert!(!signature.contains('='));
        assert_eq!(verify(&payload, &signature, &public), Ok(()));
        let tampered = payload.replace("theory=85.00", "theory=95.00");
        assert_eq!(verify(&tampered, &signature, &public), Err(Forgery::SignatureMismatch));
        let other = public_key_text(&SigningKey::from_bytes(&[8u8; 32]).verifying_key());
        assert_eq!(verify(&payload, &signature, &other), Err(Forgery::SignatureMismatch));
        assert_eq!(verify(&payload, "not base64!", &public), Err(Forgery::BadSignatureText));
    }
}
