//! Korean particles: the ending that follows a word depends on whether its last sound is a
//! consonant (이름은 / 저장소는), which the rules' Korean messages need for every noun they
//! put in a sentence.

/// Whether the Korean reading of `word`'s last character ends in a consonant, which picks
/// the particle (이름은 / 저장소는). Acronyms are read by letter names (ARN → 알엔),
/// other Latin words as loanwords (main → 메인, master → 마스터), digits the Korean way.
fn has_final_consonant(word: &str) -> bool {
    let word = word.trim_end_matches([')', '"', '\'', '`']);
    let Some(c) = word.chars().last() else {
        return false;
    };
    match c {
        '가'..='힣' => !(c as u32 - 0xAC00).is_multiple_of(28),
        '0' | '1' | '3' | '6' | '7' | '8' => true,
        'A'..='Z' => matches!(c, 'L' | 'M' | 'N' | 'R'),
        'a'..='z' => matches!(c, 'l' | 'm' | 'n') || word.ends_with("ng"),
        _ => false,
    }
}

/// `word` with the topic particle 은/는.
pub(crate) fn topic(word: &str) -> String {
    format!("{word}{}", if has_final_consonant(word) { "은" } else { "는" })
}

/// `word` with the particle 으로/로 (로 after a vowel or ㄹ).
pub(crate) fn toward(word: &str) -> String {
    let last = word.chars().last().unwrap_or(' ');
    let rieul = ('가'..='힣').contains(&last) && (last as u32 - 0xAC00) % 28 == 8;
    let l = matches!(last, 'l' | 'L' | '1' | '7' | '8');
    format!(
        "{word}{}",
        if has_final_consonant(word) && !rieul && !l {
            "으로"
        } else {
            "로"
        }
    )
}

/// `word` with the subject particle 이/가.
pub(crate) fn subject(word: &str) -> String {
    format!("{word}{}", if has_final_consonant(word) { "이" } else { "가" })
}

/// `word` with the particle 과/와 ("matches …").
pub(crate) fn with(word: &str) -> String {
    format!("{word}{}", if has_final_consonant(word) { "과" } else { "와" })
}

/// `word` with the object particle 을/를.
pub(crate) fn object(word: &str) -> String {
    format!("{word}{}", if has_final_consonant(word) { "을" } else { "를" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_particles_follow_the_last_sound() {
        assert_eq!(topic("이름"), "이름은");
        assert_eq!(topic("저장소"), "저장소는");
        assert_eq!(topic("연결 ARN"), "연결 ARN은");
        assert_eq!(object("브랜치"), "브랜치를");
        assert_eq!(object("리전"), "리전을");
        assert_eq!(object("\"master\""), "\"master\"를");
        assert_eq!(topic("\"main\""), "\"main\"은");
        assert_eq!(topic("URI"), "URI는");
        assert_eq!(toward("영문 소문자"), "영문 소문자로");
        assert_eq!(toward("영문자나 숫자"), "영문자나 숫자로");
    }
}
