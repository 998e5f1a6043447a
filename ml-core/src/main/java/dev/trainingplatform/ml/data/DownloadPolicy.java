package dev.trainingplatform.ml.data;

import dev.trainingplatform.contract.ErrorCode;
import dev.trainingplatform.ml.JobRejectedException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which URLs a service may fetch data from. A job names its data location, so without a policy a job
 * could make the service fetch any address it can reach (its own metrics page, a cloud metadata
 * endpoint) and read the answer back in the error. The defaults allow the canonical hosts of the
 * five data sets only, over https, never to a private, loopback or link-local address.
 *
 * @param enabled           whether http(s) locations may be fetched at all
 * @param hosts             host names a download may go to (exact, case-insensitive)
 * @param plainHttp         whether http: is allowed besides https: (every canonical file is also checked
 *                          against its SHA-256, so this costs privacy, not integrity)
 * @param privateAddresses  whether a host may resolve to a loopback, private, link-local or otherwise
 *                          non-public address
 */
public record DownloadPolicy(boolean enabled, Set<String> hosts, boolean plainHttp, boolean privateAddresses) {

    /** The hosts of the data sets' canonical URLs. */
    public static final List<String> CANONICAL_HOSTS = List.of(
            "fashion-mnist.s3-website.eu-central-1.amazonaws.com", "raw.githubusercontent.com",
            "www.cs.toronto.edu", "ai.stanford.edu", "storage.googleapis.com");

    public DownloadPolicy {
        Set<String> lower = new TreeSet<>();
        hosts.forEach(h -> lower.add(h.trim().toLowerCase(Locale.ROOT)));
        hosts = Set.copyOf(lower);
    }

    /** The canonical hosts over https, public addresses only. */
    public static DownloadPolicy canonical(boolean enabled) {
        return new DownloadPolicy(enabled, Set.copyOf(CANONICAL_HOSTS), false, false);
    }

    /**
     * Refuses a URL this policy does not allow, before any connection: the scheme, the host, and
     * every address the host resolves to.
     */
    public void check(URI url) {
        if (!enabled) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "downloads are disabled on this service; cannot fetch "
                    + url);
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && plainHttp)) {
            throw refused(url, "only https downloads are allowed on this service");
        }
        String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
        if (!hosts.contains(host)) {
            throw refused(url, "host '" + host + "' is not one this service downloads from (allowed: "
                    + String.join(", ", hosts) + ")");
        }
        if (url.getUserInfo() != null) {
            throw refused(url, "credentials in the URL are not allowed");
        }
        if (privateAddresses) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new JobRejectedException(ErrorCode.DATA_NOT_FOUND, "download of " + url + " failed: unknown host '"
                    + host + "'");
        }
        for (InetAddress a : addresses) {
            if (!isPublic(a)) {
                throw refused(url, "host '" + host + "' resolves to the non-public address " + a.getHostAddress());
            }
        }
    }

    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0                                       // this network
                    && !(first == 100 && second >= 64 && second < 128) // carrier-grade NAT
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    && !(first == 198 && (second == 18 || second == 19))   // benchmarking
                    && first < 240;                                  // reserved and broadcast
        }
        if (a instanceof Inet6Address) {
            return (b[0] & 0xfe) != 0xfc; // unique local fc00::/7
        }
        return false;
    }

    private static JobRejectedException refused(URI url, String why) {
        return new JobRejectedException(ErrorCode.INVALID_JOB, "data location " + url + " refused: " + why);
    }
}
