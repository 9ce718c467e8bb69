export * from './bookinfo';
export * from './bookinfo-ingress';
export * from './bookinfo-ingress-kind';
export * from './bookinfo-microservice';
export * from './bookinfo-routing';
export * from './bookinfo-routing-scenario';
export * from './bookinfo-service';
export * from './gateway-api-crds';
