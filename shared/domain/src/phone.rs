//! Phone numbers: what the client sends, and the E.164 form SNS needs and storage keys use.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("phone numbers are 5 to 15 digits, optionally after a leading +")]
pub struct InvalidPhone;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    as_sent: String,
    e164: String,
}

impl PhoneNumber {
    /// Accepts digits with an optional leading `+`. An 11-digit number starting with 1 is a
    /// Chinese mobile and gets `+86`; any other number without `+` is taken to include its
    /// country code already.
    pub fn parse(raw: &str) -> Result<Self, InvalidPhone> {
        let raw = raw.trim();
        let digits = raw.strip_prefix('+').unwrap_or(raw);
        let well_formed = (5..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(InvalidPhone);
        }
        let e164 = if raw.starts_with('+') {
            raw.to_owned()
        } else if digits.len() == 11 && digits.starts_with('1') {
            format!("+86{digits}")
        } else {
            format!("+{digits}")
        };
        Ok(Self {
            as_sent: raw.to_owned(),
            e164,
        })
    }

    /// What the user typed (trimmed): shown back in their profile.
    pub fn as_sent(&self) -> &str {
        &self.as_sent
    }

    /// The canonical form: the uniqueness key and the SNS destination.
    pub fn e164(&self) -> &str {
        &self.e164
    }
}

/// The country calling codes SMS may go to (`+86` by default). An SMS to a premium-rate number
/// abroad earns its owner money: without this list, anyone could spend the account's SMS budget
/// on numbers they are paid for (toll fraud). Calling codes are prefix-free, so a prefix test
/// on the E.164 form is exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsCountries(Vec<String>);

#[derive(Debug, Error, PartialEq, Eq)]
#[error("calling codes are 1 to 3 digits, comma-separated, got {0:?}")]
pub struct InvalidCallingCodes(pub String);

impl SmsCountries {
    /// `"86"` or `"86,852,853"`; a leading `+` on a code is allowed.
    pub fn parse(list: &str) -> Result<Self, InvalidCallingCodes> {
        let codes: Vec<String> = list
            .split(',')
            .map(|code| code.trim().trim_start_matches('+').to_owned())
            .collect();
        let valid = |code: &String| (1..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit());
        if codes.iter().all(valid) {
            Ok(Self(codes))
        } else {
            Err(InvalidCallingCodes(list.to_owned()))
        }
    }

    pub fn allow(&self, phone: &PhoneNumber) -> bool {
        let digits = &phone.e164[1..];
        self.0.iter().any(|code| digits.starts_with(code.as_str()))
    }
}

impl Default for SmsCountries {
    fn default() -> Self {
        Self(vec!["86".to_owned()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_mobiles_get_the_country_code() {
        let phone = PhoneNumber::parse(" 13800138000 ").unwrap();
        assert_eq!(phone.e164(), "+8613800138000");
        assert_eq!(phone.as_sent(), "13800138000");
    }

    #[test]
    fn international_forms_are_kept() {
        assert_eq!(PhoneNumber::parse("+8613800138000").unwrap().e164(), "+8613800138000");
        assert_eq!(PhoneNumber::parse("+14155550100").unwrap().e164(), "+14155550100");
        assert_eq!(PhoneNumber::parse("8613800138000").unwrap().e164(), "+8613800138000");
    }

    #[test]
    fn one_number_has_one_key_whichever_way_it_is_written() {
        let a = PhoneNumber::parse("13800138000").unwrap();
        let b = PhoneNumber::parse("+8613800138000").unwrap();
        assert_eq!(a.e164(), b.e164());
    }

    #[test]
    fn sms_go_only_to_the_listed_countries() {
        let china = SmsCountries::default();
        assert!(china.allow(&PhoneNumber::parse("13800138000").unwrap()));
        assert!(!china.allow(&PhoneNumber::parse("+14155550100").unwrap()));
        assert!(
            !china.allow(&PhoneNumber::parse("+85291234567").unwrap()),
            "Hong Kong is +852, not +86"
        );
        let greater_china = SmsCountries::parse("86, +852,853").unwrap();
        assert!(greater_china.allow(&PhoneNumber::parse("+85291234567").unwrap()));
        assert!(!greater_china.allow(&PhoneNumber::parse("+4915112345678").unwrap()));
        for bad in ["", "86,", "8600", "86;852", "x"] {
            assert_eq!(
                SmsCountries::parse(bad),
                Err(InvalidCallingCodes(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rejects_anything_but_digits() {
        for bad in [
            "",
            "+",
            "1380013800a",
            "138-0013-8000",
            "1234",
            "1234567890123456",
            "++13800138000",
            "undefined",
        ] {
            assert_eq!(PhoneNumber::parse(bad), Err(InvalidPhone), "{bad:?}");
        }
    }
}
