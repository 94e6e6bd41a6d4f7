package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Parses one vim25 response with the JDK's DOM parser, hardened: no DOCTYPE (so no external or
 * recursive entities), no external schemas or stylesheets, the JDK's secure-processing limits, and
 * a size limit the caller enforces on the bytes before. Returns the element inside {@code
 * soapenv:Body} or throws a {@link VimFault} for a SOAP fault, or a {@link DriverException} for
 * anything that is not a SOAP envelope.
 */
final class SoapResponse {
  private static final DocumentBuilderFactory FACTORY = factory();

  private SoapResponse() {}

  private static DocumentBuilderFactory factory() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      return f;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK's XML parser lacks a security feature", e);
    }
  }

  /**
   * The response element of a call.
   *
   * @param body the HTTP body, already cut to the size limit
   * @param status the HTTP status (faults come with 500)
   */
  static Element parse(byte[] body, int status) {
    Element envelope;
    try {
      DocumentBuilder builder = FACTORY.newDocumentBuilder();
      builder.setErrorHandler(new DefaultHandler()); // no stderr noise; errors still throw
      envelope = builder.parse(new ByteArrayInputStream(body)).getDocumentElement();
    } catch (SAXException | IOException e) {
      throw new DriverException(
          "the vSphere server sent no readable SOAP reply (HTTP " + status + "): " + brief(e));
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    }
    if (!"Envelope".equals(envelope.getLocalName())) {
      throw new DriverException(
          "the vSphere server sent no SOAP envelope (HTTP "
              + status
              + ", <"
              + envelope.getLocalName()
              + ">)");
    }
    Element soapBody = Xml.child(envelope, "Body");
    if (soapBody == null) {
      throw new DriverException(
          "the vSphere server sent a SOAP envelope without a body (HTTP " + status + ")");
    }
    Element response = Xml.first(soapBody);
    if (response == null) {
      throw new DriverException("the vSphere server sent an empty SOAP body (HTTP " + status + ")");
    }
    if ("Fault".equals(response.getLocalName())) {
      Element detail = Xml.first(Xml.child(response, "detail"));
      String type =
          detail == null
              ? "SOAPFault"
              : Xml.xsiType(detail, detail.getLocalName().replaceFirst("Fault$", ""));
      String message = Xml.text(Xml.child(response, "faultstring"));
      throw new VimFault(type, message == null ? "" : clip(message));
    }
    if (status >= 400) {
      throw new DriverException(
          "the vSphere server answered HTTP " + status + " without a SOAP fault");
    }
    return response;
  }

  private static String brief(Exception e) {
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : clip(message);
  }

  /** Server text shown to the operator, at most 300 characters. */
  static String clip(String text) {
    String oneLine = text.replaceAll("[\\p{Cntrl}]+", " ").strip();
    return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
  }
}
