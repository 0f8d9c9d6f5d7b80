package dev.peel.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The TLS trust the client uses: the JDK's trust store, plus the certificates of a CA file when one is given. */
final class Tls {
    private Tls() {
    }

    /**
     * A context that makes the real one (below) on the first TLS connection: a CLI that only talks plain HTTP to
     * a loopback registry then loads no TLS at all (some 600 classes and the trust store, ~0.2 s of its start).
     * Errors in the CA file surface at that first use.
     */
    static SSLContext lazy(Path caFile) {
        return new SSLContext(new LazySpi(caFile), null, "TLS") {
        };
    }

    private static final class LazySpi extends javax.net.ssl.SSLContextSpi {
        private final Path caFile;
        private SSLContext real;

        LazySpi(Path caFile) {
            this.caFile = caFile;
        }

        private synchronized SSLContext real() {
            if (real == null) {
                try {
                    real = context(caFile);
                } catch (RegistryException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
            return real;
        }

        @Override
        protected void engineInit(javax.net.ssl.KeyManager[] km, TrustManager[] tm, java.security.SecureRandom sr) {
            throw new UnsupportedOperationException("initialised on first use");
        }

        @Override
        protected javax.net.ssl.SSLSocketFactory engineGetSocketFactory() {
            return real().getSocketFactory();
        }

        @Override
        protected javax.net.ssl.SSLServerSocketFactory engineGetServerSocketFactory() {
            return real().getServerSocketFactory();
        }

        @Override
        protected javax.net.ssl.SSLEngine engineCreateSSLEngine() {
            return real().createSSLEngine();
        }

        @Override
        protected javax.net.ssl.SSLEngine engineCreateSSLEngine(String host, int port) {
            return real().createSSLEngine(host, port);
        }

        @Override
        protected javax.net.ssl.SSLSessionContext engineGetServerSessionContext() {
            return real().getServerSessionContext();
        }

        @Override
        protected javax.net.ssl.SSLSessionContext engineGetClientSessionContext() {
            return real().getClientSessionContext();
        }

        @Override
        protected javax.net.ssl.SSLParameters engineGetDefaultSSLParameters() {
            return real().getDefaultSSLParameters();
        }

        @Override
        protected javax.net.ssl.SSLParameters engineGetSupportedSSLParameters() {
            return real().getSupportedSSLParameters();
        }
    }

    static SSLContext context(Path caFile) throws RegistryException {
        try {
            if (caFile == null) {
                return SSLContext.getDefault();
            }
            X509TrustManager jdk = trustManager(null);
            KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
            extra.load(null, null);
            int n = 0;
            try (InputStream in = Files.newInputStream(caFile)) {
                for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    extra.setCertificateEntry("ca-" + n++, c);
                }
            }
            if (n == 0) {
                throw new RegistryException(RegistryException.Kind.FAILED, caFile + " holds no PEM certificate");
            }
            X509TrustManager mine = trustManager(extra);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new Either(jdk, mine)}, null);
            return ctx;
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.FAILED, "reading --ca-file " + caFile + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new RegistryException(RegistryException.Kind.FAILED, "--ca-file " + caFile + ": " + e.getMessage(), e);
        }
    }

    private static X509TrustManager trustManager(KeyStore ks) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(ks);
        for (TrustManager t : f.getTrustManagers()) {
            if (t instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }

    /** Trusts a server chain that either trust manager accepts. */
    private record Either(X509TrustManager a, X509TrustManager b) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                a.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                b.checkClientTrusted(chain, authType);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                a.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                b.checkServerTrusted(chain, authType);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>(List.of(a.getAcceptedIssuers()));
            all.addAll(List.of(b.getAcceptedIssuers()));
            return all.toArray(new X509Certificate[0]);
        }
    }
}
