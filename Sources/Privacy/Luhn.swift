/// The Luhn (mod 10) check digit that every payment card number carries: from the right, double
/// every second digit (subtracting 9 above 9); the sum of all is a multiple of 10. One mistyped
/// digit or one swap of neighbours fails it, so a Luhn-valid 16-digit number is rarely an accident
/// (1 in 10 random numbers pass).
public enum Luhn {
    /// True when `digits` (values 0–9, most significant first) pass the check.
    public static func isValid(_ digits: [Int]) -> Bool {
        guard !digits.isEmpty else { return false }
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            if offset % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    /// The digit that, appended to `digits`, makes the whole pass the check.
    public static func checkDigit(for digits: [Int]) -> Int {
        (0...9).first { isValid(digits + [$0]) }!
    }
}
