import Privacy
import Testing

/// Luhn and IBAN mod-97 against published test numbers.
struct ChecksumTests {
    func digits(_ text: String) -> [Int] { text.compactMap(\.wholeNumberValue) }

    @Test func luhnAcceptsPublishedTestCardsAndRejectsOneDigitChanges() {
        for card in ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "3530111333300000"] {
            #expect(Luhn.isValid(digits(card)), "\(card)")
            var changed = digits(card)
            changed[changed.count - 1] = (changed[changed.count - 1] + 1) % 10
            #expect(!Luhn.isValid(changed), "\(card) with its last digit changed")
        }
        #expect(Luhn.checkDigit(for: digits("411111111111111")) == 1)
    }

    @Test func ibanMod97AcceptsRegistryExamplesAndRejectsTypos() {
        for iban in ["GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300",
                     "BE68539007547034", "CH9300762011623852957"] {
            #expect(IBANChecksum.isValid(iban), "\(iban)")
        }
        #expect(!IBANChecksum.isValid("GB82WEST12345698765433"))  // last digit changed
        #expect(!IBANChecksum.isValid("DE8937040044053201300"))   // one character short for DE
        #expect(!IBANChecksum.isValid("ZZ89370400440532013000"))  // no such country
        #expect(IBANChecksum.checkDigits(country: "GB", bban: "WEST12345698765432") == "82")
    }
}
