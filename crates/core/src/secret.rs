//! [`Secret`]: a string that never prints.

use serde::{Deserialize, Deserializer};
use zeroize::Zeroize;

/// A secret value (a secret access key, a session token). Debug and Display print
/// `<redacted>`, so a secret cannot reach a log, an error message or a panic by formatting;
/// [`Secret::expose`] is the one way to read it, and each caller is a place to review.
///
/// It deserializes from a plain string (the UI sends keys to save) but deliberately does not
/// implement `Serialize`: nothing Pipewright sends anywhere may contain one.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: for the keyring and the AWS SDK only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Overwritten with zeros when dropped, so a secret does not linger in freed memory (where a
/// crash dump or a swap file could keep it).
impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Zeroize for Secret {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Secret {}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}

    #[test]
    fn secrets_are_wiped() {
        wiped_on_drop::<Secret>();
        wiped_on_drop::<crate::aws::StaticKeys>();
        let mut s = Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        s.zeroize();
        assert_eq!(s.expose(), "", "zeroize empties the string after overwriting it");
    }
}
