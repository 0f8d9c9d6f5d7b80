package dev.peel.java;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * What peel needs of a class file: its name and whether it declares {@code public static void main(String[])}.
 * Reads the constant pool and the method table (JVMS §4), nothing else.
 */
record ClassFile(String name, boolean hasMain) {
    private static final int ACC_PUBLIC = 0x0001;
    private static final int ACC_STATIC = 0x0008;

    /** Parses a class file; {@link IOException} when the bytes are not one. */
    static ClassFile read(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        try {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file (no CAFEBABE magic)");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            int[] classNameIndex = new int[count];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 7 -> classNameIndex[i] = in.readUnsignedShort();
                    case 8, 16, 19, 20 -> in.skipBytes(2);
                    case 15 -> in.skipBytes(3);
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                    case 5, 6 -> {
                        in.skipBytes(8);
                        i++; // a long or double takes two slots
                    }
                    default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
                }
            }
            in.readUnsignedShort(); // access flags
            int thisClass = in.readUnsignedShort();
            if (thisClass <= 0 || thisClass >= count || utf8[classNameIndex[thisClass]] == null) {
                throw new IOException("this_class is not a class constant");
            }
            String name = utf8[classNameIndex[thisClass]].replace('/', '.');
            in.readUnsignedShort(); // super class
            in.skipBytes(2 * in.readUnsignedShort()); // interfaces
            skipMembers(in); // fields
            boolean main = false;
            int methods = in.readUnsignedShort();
            for (int i = 0; i < methods; i++) {
                int access = in.readUnsignedShort();
                String n = utf8[in.readUnsignedShort()];
                String descriptor = utf8[in.readUnsignedShort()];
                skipAttributes(in);
                if ((access & (ACC_PUBLIC | ACC_STATIC)) == (ACC_PUBLIC | ACC_STATIC) && "main".equals(n)
                        && "([Ljava/lang/String;)V".equals(descriptor)) {
                    main = true;
                }
            }
            return new ClassFile(name, main);
        } catch (java.io.EOFException | ArrayIndexOutOfBoundsException e) {
            throw new IOException("truncated or malformed class file");
        }
    }

    private static void skipMembers(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        for (int i = 0; i < n; i++) {
            in.skipBytes(6);
            skipAttributes(in);
        }
    }

    private static void skipAttributes(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        for (int i = 0; i < n; i++) {
            in.skipBytes(2);
            long len = in.readInt() & 0xffffffffL;
            if (in.skip(len) != len) {
                throw new java.io.EOFException();
            }
        }
    }
}
