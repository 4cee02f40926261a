package ai.refold.webhooks.servlet;

import ai.refold.webhooks.event.RawPayload;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** The request handed on in forward mode: its body reads again, exactly the bytes that were verified. */
final class ReplayableRequest extends HttpServletRequestWrapper {

    private final RawPayload body;
    // Like a container's own request, every call returns the same stream or reader, so a loop that calls
    // getReader() per read makes progress instead of starting over.
    private BodyStream stream;
    private BufferedReader reader;

    ReplayableRequest(HttpServletRequest request, RawPayload body) {
        super(request);
        this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
        if (reader != null) {
            throw new IllegalStateException("getReader() was already called on this request");
        }
        if (stream == null) {
            stream = new BodyStream(body.openStream());
        }
        return stream;
    }

    @Override
    public BufferedReader getReader() throws UnsupportedEncodingException {
        if (stream != null) {
            throw new IllegalStateException("getInputStream() was already called on this request");
        }
        if (reader == null) {
            String encoding = getCharacterEncoding();
            Charset charset;
            try {
                // JSON is UTF-8 unless the sender said otherwise.
                charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            } catch (IllegalArgumentException e) {
                throw new UnsupportedEncodingException(encoding);
            }
            reader = new BufferedReader(new InputStreamReader(body.openStream(), charset));
        }
        return reader;
    }

    @Override
    public int getContentLength() {
        return body.size();
    }

    @Override
    public long getContentLengthLong() {
        return body.size();
    }

    private static final class BodyStream extends ServletInputStream {
        private final InputStream in;
        private boolean finished;

        BodyStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            finished = b < 0;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            finished = n < 0;
            return n;
        }

        @Override
        public boolean isFinished() {
            return finished || available() == 0;
        }

        @Override
        public int available() {
            try {
                return in.available();
            } catch (IOException e) {
                return 0;
            }
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            try {
                listener.onDataAvailable();
                listener.onAllDataRead();
            } catch (IOException e) {
                listener.onError(e);
            }
        }
    }
}
