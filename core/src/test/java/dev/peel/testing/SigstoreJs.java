package dev.peel.testing;

/**
 * Node scripts (run with {@link Tools#node}) that check peel's sigstore objects with sigstore-js, an independent
 * implementation: each prints OK, or REJECTED and the reason and exits 1.
 */
public final class SigstoreJs {
    private SigstoreJs() {
    }

    /** Verifies a bundle with sigstore-js against the key in a PEM file; prints OK or the error and exits 1. */
    public static final String BUNDLE = """
            const fs = require('fs'); const crypto = require('crypto');
            const {bundleFromJSON} = require('@sigstore/bundle');
            const {Verifier, toSignedEntity, toTrustMaterial} = require('@sigstore/verify');
            const [bundlePath, pubPath, artifactPath] = process.argv.slice(2);
            try {
              const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
              const der = crypto.createPublicKey(fs.readFileSync(pubPath, 'utf8')).export({type: 'spki', format: 'der'});
              const hint = crypto.createHash('sha256').update(der).digest('base64');
              const trust = toTrustMaterial({certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: []},
                  {[hint]: {rawBytes: der}});
              const verifier = new Verifier(trust, {tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0});
              verifier.verify(toSignedEntity(bundle, artifactPath ? fs.readFileSync(artifactPath) : undefined));
              console.log('OK');
            } catch (e) { console.log('REJECTED ' + (e.code || '') + ' ' + e.message); process.exit(1); }
            """;

    /** Verifies a bare DSSE envelope with @sigstore/core's PAE and the key. */
    public static final String DSSE = """
            const fs = require('fs'); const crypto = require('crypto'); const {dsse} = require('@sigstore/core');
            const {envelopeFromJSON} = require('@sigstore/bundle');
            const env = envelopeFromJSON(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')));
            const key = crypto.createPublicKey(fs.readFileSync(process.argv[3], 'utf8'));
            const ok = env.signatures.length === 1 && crypto.verify('sha256', dsse.preAuthEncoding(env.payloadType, env.payload), key, env.signatures[0].sig);
            console.log(ok ? 'OK' : 'REJECTED'); process.exit(ok ? 0 : 1);
            """;
}
