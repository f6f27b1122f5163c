//! Reading the subject of a PKCS#10 certificate signing request, as the
//! Kubernetes CSR API carries it: `spec.request` is the PEM text, base64
//! encoded again by JSON's `[]byte` rule. Only the subject is read (no
//! signature check: ktriage judges what was asked for, not whether the
//! request is well signed). A small bounds-checked DER reader: the CSR is
//! attacker-supplied, so every length is checked and nothing panics.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// What a CSR's subject asks for: Kubernetes maps CN to the user name and
/// each O to a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsrSubject {
    pub common_name: Option<String>,
    pub organizations: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsrError {
    #[error("spec.request is not base64")]
    Base64,
    #[error("spec.request holds no PEM CERTIFICATE REQUEST block")]
    Pem,
    #[error("the certificate request is not valid DER")]
    Der,
}

/// One DER element: (tag, content, what follows it).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &x| (a << 8) | x as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn expect(b: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = tlv(b)?;
    (t == tag).then_some((content, rest))
}

const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];

fn string_value(tag: u8, v: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, PrintableString, IA5String, T61String
        0x0c | 0x13 | 0x16 | 0x14 => Some(String::from_utf8_lossy(v).into_owned()),
        // BMPString: UTF-16BE
        0x1e if v.len().is_multiple_of(2) => {
            let units: Vec<u16> = v
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// The subject of a DER-encoded CertificationRequest.
pub fn subject_of_der(der: &[u8]) -> Option<CsrSubject> {
    let (csr, _) = expect(der, 0x30)?;
    let (info, _) = expect(csr, 0x30)?;
    let (_version, rest) = expect(info, 0x02)?;
    let (mut name, _) = expect(rest, 0x30)?;
    let mut out = CsrSubject::default();
    while !name.is_empty() {
        let (mut rdn, next) = expect(name, 0x31)?;
        name = next;
        while !rdn.is_empty() {
            let (atv, next) = expect(rdn, 0x30)?;
            rdn = next;
            let (oid, value) = expect(atv, 0x06)?;
            let (tag, v, _) = tlv(value)?;
            let Some(s) = string_value(tag, v) else {
                continue;
            };
            if oid == OID_CN {
                out.common_name = Some(s);
            } else if oid == OID_O {
                out.organizations.push(s);
            }
        }
    }
    Some(out)
}

/// The subject of `spec.request` (base64 of a PEM CERTIFICATE REQUEST).
pub fn subject_of_request(request: &str) -> Result<CsrSubject, CsrError> {
    let pem = STANDARD
        .decode(request.trim())
        .map_err(|_| CsrError::Base64)?;
    let pem = String::from_utf8_lossy(&pem);
    let mut body = String::new();
    let mut inside = false;
    for line in pem.lines() {
        let line = line.trim();
        if line.starts_with("-----BEGIN") && line.contains("CERTIFICATE REQUEST") {
            inside = true;
        } else if line.starts_with("-----END") {
            if inside {
                break;
            }
        } else if inside && !line.contains(':') {
            body.push_str(line);
        }
    }
    if body.is_empty() {
        return Err(CsrError::Pem);
    }
    let der = STANDARD.decode(body).map_err(|_| CsrError::Pem)?;
    subject_of_der(&der).ok_or(CsrError::Der)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(tag: u8, parts: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = parts.concat();
        let mut out = vec![tag];
        if body.len() < 0x80 {
            out.push(body.len() as u8);
        } else {
            out.push(0x82);
            out.extend_from_slice(&(body.len() as u16).to_be_bytes());
        }
        out.extend(body);
        out
    }

    fn atv(oid: &[u8], tag: u8, v: &str) -> Vec<u8> {
        seq(
            0x31,
            &[seq(
                0x30,
                &[
                    seq(0x06, &[oid.to_vec()]),
                    seq(tag, &[v.as_bytes().to_vec()]),
                ],
            )],
        )
    }

    fn csr(name: Vec<u8>) -> Vec<u8> {
        let info = seq(
            0x30,
            &[seq(0x02, &[vec![0]]), name, seq(0x30, &[]), seq(0xa0, &[])],
        );
        seq(0x30, &[info, seq(0x30, &[]), seq(0x03, &[vec![0]])])
    }

    #[test]
    fn reads_cn_and_every_o() {
        let der = csr(seq(
            0x30,
            &[
                atv(OID_O, 0x0c, "system:masters"),
                atv(OID_O, 0x13, "ops"),
                atv(OID_CN, 0x0c, "mallory-admin"),
            ],
        ));
        let pem = format!(
            "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
            STANDARD.encode(&der)
        );
        let s = subject_of_request(&STANDARD.encode(pem)).unwrap();
        assert_eq!(s.common_name.as_deref(), Some("mallory-admin"));
        assert_eq!(s.organizations, ["system:masters", "ops"]);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(subject_of_request("%%%"), Err(CsrError::Base64));
        assert_eq!(
            subject_of_request(&STANDARD.encode("hello")),
            Err(CsrError::Pem)
        );
        let truncated =
            "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----";
        assert_eq!(
            subject_of_request(&STANDARD.encode(truncated)),
            Err(CsrError::Der)
        );
        for n in 0..40 {
            let der = csr(seq(0x30, &[atv(OID_CN, 0x0c, "x")]));
            let _ = subject_of_der(&der[..n.min(der.len())]);
        }
    }
}
