package io.vpanel.driver.vsphere;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes one vim25 request envelope through the JDK's StAX writer, which escapes every text and
 * attribute value: no request is ever built by pasting strings together. Elements are written in
 * the order the caller gives, which must be the XSD order of the vim25 type.
 */
final class SoapBody {
  static final String SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/";
  static final String VIM25 = "urn:vim25";
  static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";
  private static final XMLOutputFactory FACTORY = XMLOutputFactory.newFactory();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
  private final XMLStreamWriter writer;
  private final String method;

  private SoapBody(String method) {
    this.method = method;
    try {
      writer = FACTORY.createXMLStreamWriter(out, "UTF-8");
      writer.writeStartDocument("UTF-8", "1.0");
      writer.writeStartElement("soapenv", "Envelope", SOAP_ENV);
      writer.writeNamespace("soapenv", SOAP_ENV);
      writer.writeNamespace("xsi", XSI);
      writer.writeStartElement("soapenv", "Body", SOAP_ENV);
      writer.writeStartElement("", method, VIM25);
      writer.writeDefaultNamespace(VIM25);
    } catch (XMLStreamException e) {
      throw new IllegalStateException("cannot write a SOAP request", e);
    }
  }

  /** A request for {@code method} whose {@code _this} is {@code target}. */
  static SoapBody call(String method, MoRef target) {
    return new SoapBody(method).ref("_this", target);
  }

  String method() {
    return method;
  }

  /** {@code <tag type="T">value</tag>}. */
  SoapBody ref(String tag, MoRef ref) {
    try {
      writer.writeStartElement(VIM25, tag);
      writer.writeAttribute("type", ref.type());
      writer.writeCharacters(ref.value());
      writer.writeEndElement();
      return this;
    } catch (XMLStreamException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code <tag>text</tag>}, the text escaped. */
  SoapBody text(String tag, String text) {
    try {
      writer.writeStartElement(VIM25, tag);
      writer.writeCharacters(text);
      writer.writeEndElement();
      return this;
    } catch (XMLStreamException e) {
      throw new IllegalStateException(e);
    }
  }

  SoapBody text(String tag, long number) {
    return text(tag, Long.toString(number));
  }

  SoapBody text(String tag, boolean flag) {
    return text(tag, Boolean.toString(flag));
  }

  /** Opens {@code <tag>}; close it with {@link #end}. */
  SoapBody start(String tag) {
    try {
      writer.writeStartElement(VIM25, tag);
      return this;
    } catch (XMLStreamException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Opens {@code <tag xsi:type="type">} for a polymorphic value. */
  SoapBody start(String tag, String xsiType) {
    start(tag);
    try {
      writer.writeAttribute("xsi", XSI, "type", xsiType);
      return this;
    } catch (XMLStreamException e) {
      throw new IllegalStateException(e);
    }
  }

  SoapBody end() {
    try {
      writer.writeEndElement();
      return this;
    } catch (XMLStreamException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Closes the envelope and returns its bytes. */
  byte[] bytes() {
    try {
      writer.writeEndDocument();
      writer.close();
    } catch (XMLStreamException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  /** The request as text, for tests. */
  @Override
  public String toString() {
    return out.toString(StandardCharsets.UTF_8);
  }
}
