/// Tollgate's version, named in metric signatures, run records and reports.
public enum TollgateVersion {
    public static let string = "0.1.0"
}
